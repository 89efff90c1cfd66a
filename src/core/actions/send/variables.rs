//! The variables a Dynamic Template uses, by Segment's extraction rules
//! (`extractVariables` in `sendEmail/dynamic-fields.ts`): handlebars
//! expressions, minus helpers, keywords, quoted constants and numbers;
//! `root.` stripped and only the first path segment kept.

/// Words starting with one of these (as `#word` or `/word`) are block helpers.
const BLOCK_HELPERS: [&str; 9] = [
    "if",
    "unless",
    "and",
    "or",
    "equals",
    "notEquals",
    "lessThan",
    "greaterThan",
    "each",
];
/// Words starting with one of these are keywords or inline helpers.
const KEYWORDS: [&str; 7] = [
    "else",
    "if",
    "this",
    "insert",
    "default",
    "length",
    "formatDate",
];

fn is_line_end(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// `/{{(.*?)}}/g`: the inside of each `{{…}}` that closes on the same line.
fn expressions(content: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = content[at..].find("{{") {
        let start = at + open + 2;
        let rest = &content[start..];
        let line_end = rest.find(is_line_end).unwrap_or(rest.len());
        match rest[..line_end].find("}}") {
            Some(close) => {
                found.push(&rest[..close]);
                at = start + close + 2;
            }
            // No close on this line: the regex retries one character later.
            None => at = at + open + 1,
        }
    }
    found
}

/// `/(["']).*?\1/g` replaced by nothing: quoted constants go.
fn strip_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['"', '\'']) {
        let quote = rest[pos..].chars().next().unwrap_or('"');
        match rest[pos + 1..].find(quote) {
            Some(close) => {
                out.push_str(&rest[..pos]);
                rest = &rest[pos + 1 + close + 1..];
            }
            None => {
                out.push_str(&rest[..=pos]);
                rest = &rest[pos + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `/[#/]?[\w.]+/g` over the joined expressions.
fn words(text: &str) -> Vec<String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let prefixed =
            (chars[i] == '#' || chars[i] == '/') && chars.get(i + 1).is_some_and(|c| is_word(*c));
        let start = i;
        if prefixed {
            i += 1;
        }
        if i < chars.len() && is_word(chars[i]) {
            while i < chars.len() && is_word(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            i = start + 1;
        }
    }
    out
}

/// JS `!isNaN(Number(text))` for texts made of `[\w.]`.
fn is_js_number(text: &str) -> bool {
    if text.is_empty() || text == "Infinity" {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(body) = lower.strip_prefix(prefix) {
            return !body.is_empty() && body.chars().all(|c| c.is_digit(radix));
        }
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    let mantissa_ok = (!int.is_empty() || !frac.is_empty())
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit());
    let exponent_ok =
        exponent.is_none_or(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_digit()));
    mantissa_ok && exponent_ok
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The variables of one template text, in order of first use.
pub fn extract_variables(content: &str) -> Vec<String> {
    let mut unique_expressions: Vec<String> = Vec::new();
    for expression in expressions(content) {
        push_unique(&mut unique_expressions, expression.to_owned());
    }
    let joined = unique_expressions
        .iter()
        .map(|e| strip_quoted(e).trim().to_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let mut variables = Vec::new();
    for word in words(&joined) {
        if KEYWORDS.iter().any(|k| word.starts_with(k)) {
            continue;
        }
        let helper =
            |h: &&str| word.starts_with(&format!("#{h}")) || word.starts_with(&format!("/{h}"));
        if BLOCK_HELPERS.iter().any(helper) {
            continue;
        }
        let word = word.strip_prefix("root.").unwrap_or(&word);
        let first = word.split('.').next().unwrap_or("").to_owned();
        if first.contains('"') || is_js_number(&first) {
            continue;
        }
        push_unique(&mut variables, first);
    }
    variables
}

/// Variables of several texts (HTML, plain text, subject), deduplicated.
pub fn variables_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut all = Vec::new();
    for text in texts {
        for variable in extract_variables(text) {
            push_unique(&mut all, variable);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_example_template() {
        let html = "<h2>Welcome, {{user.username}}!</h2> {{user.leagueName}}\n\
            {{#each user.currentLeagues}}{{this.leagueName}}{{/each}}\n\
            <a href=\"{{login_url}}\">x</a> {{insert name \"default=Customer\"}}\n\
            {{#if user.profile.male}}a{{else if user.profile.female}}b{{else}}c{{/if}}\n\
            {{@root.supportPhone}} {{#unless user.active}}{{/unless}}\n\
            {{#greaterThan scoreOne scoreTwo}}{{/greaterThan}}\n\
            {{#equals customerCode winningCode}}{{/equals}}\n\
            {{#notEquals currentDate appointmentDate}}{{/notEquals}}\n\
            {{#and favoriteFood favoriteDrink}}{{/and}} {{#or isRunner isCyclist}}{{/or}}\n\
            {{#greaterThan (length cartItems) 0}}{{/greaterThan}}\n\
            {{#if people}}{{#each people}}{{this.name}}{{/each}}{{/if}}\n\
            {{formatDate timeStamp dateFormat}}";
        assert_eq!(
            extract_variables(html),
            [
                "user",
                "login_url",
                "name",
                "supportPhone",
                "scoreOne",
                "scoreTwo",
                "customerCode",
                "winningCode",
                "currentDate",
                "appointmentDate",
                "favoriteFood",
                "favoriteDrink",
                "isRunner",
                "isCyclist",
                "cartItems",
                "people",
                "timeStamp",
                "dateFormat"
            ]
        );
    }

    #[test]
    fn numbers_quotes_and_unclosed_braces() {
        assert_eq!(
            extract_variables("{{ 42 }} {{ 'x' }} {{0x1f}} {{a1}} {{ {{b}}"),
            ["a1", "b"]
        );
        assert!(extract_variables("").is_empty());
        assert_eq!(variables_of(["{{a}}", "{{b}} {{a}}"]), ["a", "b"]);
    }
}
