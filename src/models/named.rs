//! Hand-written statements with named parameters. A statement in a `.sql`
//! file says `:year` where PostgreSQL wants `$3`: the name tells a reader
//! what is bound, and one function per family of statements binds each
//! name to its value, so no bind position is a protocol kept in comments.
//! `{name}` marks a fragment of SQL text chosen from a closed set (a key's
//! expression, a table), filled before the parameters are numbered.

/// The statement with its parameters numbered (`$1`, `$2`, … in order of
/// first use; a name used twice keeps its number) and the names in that
/// order. `::` casts, string literals and `--` comments are left alone.
pub fn positional(sql: &str) -> (String, Vec<&str>) {
    let bytes = sql.as_bytes();
    let mut text = String::with_capacity(sql.len());
    let mut names: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b':' if bytes.get(i + 1) == Some(&b':') => i += 2,
            b':' if bytes.get(i + 1).is_some_and(|b| b.is_ascii_lowercase()) => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && (bytes[end].is_ascii_lowercase() || bytes[end] == b'_') {
                    end += 1;
                }
                let name = &sql[start..end];
                let number = match names.iter().position(|n| *n == name) {
                    Some(at) => at + 1,
                    None => {
                        names.push(name);
                        names.len()
                    }
                };
                text.push_str(&sql[copied..i]);
                text.push('$');
                text.push_str(&number.to_string());
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    text.push_str(&sql[copied..]);
    (text, names)
}

/// `template` with each `{name}` replaced by its fragment. A fragment may
/// hold another `{name}` filled by a later pair.
pub fn fill(template: &str, fragments: &[(&str, &str)]) -> String {
    let mut sql = template.to_string();
    for (name, fragment) in fragments {
        sql = sql.replace(&format!("{{{name}}}"), fragment);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_numbered_in_order_of_first_use() {
        let (sql, names) =
            positional("SELECT :year::int, x FROM t WHERE a = :first AND b > :year AND c <= :last");
        assert_eq!(
            sql,
            "SELECT $1::int, x FROM t WHERE a = $2 AND b > $1 AND c <= $3"
        );
        assert_eq!(names, ["year", "first", "last"]);
    }

    #[test]
    fn casts_strings_and_comments_are_not_parameters() {
        let (sql, names) = positional(
            "SELECT '12:30'::time, to_char(m, 'YYYY-MM') -- at :noon\nFROM t WHERE x = :day",
        );
        assert_eq!(
            sql,
            "SELECT '12:30'::time, to_char(m, 'YYYY-MM') -- at :noon\nFROM t WHERE x = $1"
        );
        assert_eq!(names, ["day"]);
    }

    #[test]
    fn fragments_fill_in_order() {
        assert_eq!(
            fill(
                "SELECT {key} FROM {rows} WHERE {condition}",
                &[
                    ("condition", "{contracts} AND true"),
                    ("contracts", "c.id = :contract"),
                    ("key", "p.sex"),
                    ("rows", "people p"),
                ],
            ),
            "SELECT p.sex FROM people p WHERE c.id = :contract AND true"
        );
    }
}
