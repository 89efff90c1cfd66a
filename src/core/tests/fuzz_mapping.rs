//! Fuzzing the mapping compiler and engine and the JSON text parser with
//! property tests (`cargo fuzz` needs a nightly toolchain; proptest runs on
//! stable). A panic anywhere fails the case, which proptest then shrinks and
//! records in `fuzz_mapping.proptest-regressions` (kept in the repository
//! and replayed first); the seed corpus in `fuzz_corpus/` is replayed too.
//!
//! A plain `cargo test` runs a few cases per property (seconds); CI's fuzz
//! step runs many more in release (`.ci/run`, about a minute):
//! `PROPTEST_CASES=3000 cargo test -p segment-sendgrid-core --release --test fuzz_mapping`.

mod fuzz_support;

use fuzz_support::{checks, corpus, gen};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::Config;
use segment_sendgrid_core::Mapping;

/// Output limit of generated cases: small, so runaway growth stops fast.
const LIMIT: usize = 64 * 1024;

/// `cases` per property unless `PROPTEST_CASES` says otherwise.
fn config(cases: u32) -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.max_shrink_iters = 2_000;
    config
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn generated_mappings_never_panic_and_agree_across_inputs(
        mapping in gen::mapping(),
        records in vec(gen::record(), 1..4),
    ) {
        checks::mapping_case(&mapping, &records, LIMIT)?;
    }

    #[test]
    fn well_formed_mappings_never_panic_and_agree_across_inputs(
        mapping in gen::valid_mapping(),
        records in vec(gen::rich_record(), 1..3),
    ) {
        checks::mapping_case(&mapping, &records, LIMIT)?;
    }

    #[test]
    fn growing_chains_stop_at_the_output_limit(
        mapping in gen::explosive(),
        record in gen::rich_record(),
    ) {
        checks::mapping_case(&mapping, &[record], LIMIT)?;
    }

    #[test]
    fn json_text_parses_as_serde_json_does(text in gen::json_text()) {
        let mapping = Mapping::compile(&serde_json::json!({
            "a": {"@path": "$.a"},
            "c": {"@path": "$.b.c"},
            "arr": {"@arrayPath": ["$.arr", {"x": {"@path": "$.0"}}]}
        }))
        .unwrap();
        checks::json_text(&text, Some(&mapping))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in vec(any::<u8>(), 0..300)) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            checks::json_text(text, None)?;
        }
    }

    #[test]
    fn projections_of_generated_mappings_agree(
        mapping in gen::mapping(),
        text in gen::json_text(),
    ) {
        if let Ok(compiled) = Mapping::compile(&mapping) {
            checks::json_text(&text, Some(&compiled))?;
        }
    }
}

#[test]
fn the_seed_corpus_replays() {
    assert!(corpus::replay_mappings() > 0);
    corpus::replay_json_texts();
}
