use super::*;
use crate::config::ClientSettings;

fn config() -> ClientConfig {
    let settings = ClientSettings {
        api_key: Some("SG.test".into()),
        ..ClientSettings::default()
    };
    ClientConfig::from_settings(settings, None, "sync-args-tests").unwrap()
}

fn args(mode: &str) -> SyncArgs {
    SyncArgs {
        list_id: Some("L1".into()),
        list_name: None,
        create_list: true,
        mode: mode.into(),
        max_removals: None,
        wait: false,
        wait_timeout: 600.0,
        dry_run: false,
    }
}

fn refusal(args: SyncArgs) -> String {
    match args.options(&config()) {
        Err(Error::Config(message)) => message,
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn modes_and_lists_are_read_from_the_arguments() {
    let options = args("remove").options(&config()).unwrap();
    assert_eq!(
        (options.mode, options.list),
        (SyncMode::Remove, ListTarget::Id("L1".into()))
    );
    let by_name = SyncArgs {
        list_id: None,
        list_name: Some("VIP".into()),
        create_list: false,
        ..args("add")
    };
    let options = by_name.options(&config()).unwrap();
    assert_eq!(
        options.list,
        ListTarget::Name {
            name: "VIP".into(),
            create: false
        }
    );
    let removing = SyncArgs {
        list_id: None,
        list_name: Some("VIP".into()),
        ..args("remove")
    };
    let options = removing.options(&config()).unwrap();
    assert_eq!(
        options.list,
        ListTarget::Name {
            name: "VIP".into(),
            create: false
        }
    );
    let per_record = SyncArgs {
        list_id: None,
        ..args("segment")
    };
    assert_eq!(
        per_record.options(&config()).unwrap().list,
        ListTarget::PerRecord
    );
}

#[test]
fn a_mirror_needs_a_list_and_max_removals() {
    assert!(refusal(args("mirror")).contains("max_removals"));
    let no_list = SyncArgs {
        list_id: None,
        max_removals: Some(5),
        ..args("mirror")
    };
    assert!(refusal(no_list).contains("list_id or list_name"));
    let ok = SyncArgs {
        max_removals: Some(0),
        ..args("mirror")
    };
    assert_eq!(ok.options(&config()).unwrap().max_removals, Some(0));
}

#[test]
fn bad_arguments_are_refused_before_any_record() {
    assert!(refusal(args("sync")).contains("\"add\", \"remove\", \"mirror\" or \"segment\""));
    assert!(refusal(SyncArgs {
        max_removals: Some(1),
        ..args("add")
    })
    .contains("mirror"));
    assert!(refusal(SyncArgs {
        list_name: Some("x".into()),
        ..args("add")
    })
    .contains("not both"));
    assert!(refusal(SyncArgs {
        list_id: Some(String::new()),
        ..args("add")
    })
    .contains("empty"));
    assert!(refusal(SyncArgs {
        list_id: None,
        list_name: Some(String::new()),
        ..args("add")
    })
    .contains("1 to 100"));
    assert!(refusal(SyncArgs {
        wait_timeout: 0.0,
        ..args("add")
    })
    .contains("wait_timeout"));
    assert!(delete_options(&config(), 10, true, -1.0, false).is_err());
}
