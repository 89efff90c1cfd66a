//! The one rule that turns a table's column names into an event's keys, for
//! Arrow tables and for the CLI's CSV header alike: a dotted name nests
//! (`traits.email` → `{"traits": {"email": …}}`), names are trimmed, and a
//! header that could not give one object per row is refused whole.

use std::collections::HashMap;

/// Why a table's column names cannot be the keys of its rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    #[error("column {position} has an empty name")]
    EmptyName { position: usize },
    #[error("column {name:?} appears twice")]
    Repeated { name: String },
    #[error("column {parent:?} is both a value and the parent of {child:?}")]
    ValueAndParent { parent: String, child: String },
}

/// The key path of each column, in order (`position`s in errors are 1-based).
pub fn nest_columns<S: AsRef<str>>(names: &[S]) -> Result<Vec<Vec<String>>, ColumnError> {
    let paths: Vec<Vec<String>> = names
        .iter()
        .map(|name| name.as_ref().trim().split('.').map(str::to_owned).collect())
        .collect();
    let mut seen: HashMap<&[String], usize> = HashMap::with_capacity(paths.len());
    for (position, path) in paths.iter().enumerate() {
        if path.iter().any(String::is_empty) {
            return Err(ColumnError::EmptyName {
                position: position + 1,
            });
        }
        if seen.insert(path.as_slice(), position).is_some() {
            return Err(ColumnError::Repeated {
                name: path.join("."),
            });
        }
    }
    for path in &paths {
        for cut in 1..path.len() {
            if seen.contains_key(&path[..cut]) {
                return Err(ColumnError::ValueAndParent {
                    parent: path[..cut].join("."),
                    child: path.join("."),
                });
            }
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_nest_and_are_trimmed() {
        let paths = nest_columns(&[" traits.email ", "userId", "traits.address.city"]).unwrap();
        assert_eq!(
            paths,
            vec![
                vec!["traits".to_owned(), "email".to_owned()],
                vec!["userId".to_owned()],
                vec!["traits".to_owned(), "address".to_owned(), "city".to_owned()],
            ]
        );
    }

    #[test]
    fn a_header_that_cannot_give_one_object_is_refused() {
        assert_eq!(
            nest_columns(&["a", "b..c"]).unwrap_err().to_string(),
            "column 2 has an empty name"
        );
        assert_eq!(
            nest_columns(&["a.b", " a.b"]).unwrap_err().to_string(),
            "column \"a.b\" appears twice"
        );
        assert_eq!(
            nest_columns(&["traits.address.city", "traits.address"])
                .unwrap_err()
                .to_string(),
            "column \"traits.address\" is both a value and the parent of \"traits.address.city\""
        );
        assert!(nest_columns(&[""]).is_err());
        assert_eq!(
            nest_columns::<&str>(&[]).unwrap(),
            Vec::<Vec<String>>::new()
        );
    }
}
