//! Dates and instants written into JSON answers exactly as chrono's serde
//! writes them, but in one piece: chrono hands serde_json a `Display`, which
//! serde_json escapes fragment by fragment (a dozen small writes per
//! value); in a page of 50 placements that was the largest single cost of
//! the list (`perf`, bench/README.md). The text is the same, byte for byte
//! (the tests compare it with chrono's own).

use std::fmt::Write;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serializer;

/// Room for any date chrono writes (`+262142-12-31` at the most).
struct Text {
    bytes: [u8; 16],
    len: usize,
}

impl Write for Text {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `YYYY-MM-DD`, as `NaiveDate`'s own serialisation.
pub fn day<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    let mut text = Text {
        bytes: [0; 16],
        len: 0,
    };
    write!(text, "{d:?}").map_err(serde::ser::Error::custom)?;
    // Only ASCII was written.
    s.serialize_str(
        std::str::from_utf8(&text.bytes[..text.len]).map_err(serde::ser::Error::custom)?,
    )
}

pub fn opt_day<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => day(d, s),
        None => s.serialize_none(),
    }
}

/// RFC 3339 with as many fractional digits as the instant has and `Z`, as
/// `DateTime<Utc>`'s own serialisation.
pub fn instant<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Ours {
        #[serde(serialize_with = "day")]
        d: NaiveDate,
        #[serde(serialize_with = "opt_day")]
        o: Option<NaiveDate>,
        #[serde(serialize_with = "instant")]
        t: DateTime<Utc>,
    }

    #[derive(Serialize)]
    struct Chrono {
        d: NaiveDate,
        o: Option<NaiveDate>,
        t: DateTime<Utc>,
    }

    #[test]
    fn writes_what_chrono_writes() {
        let days = [
            NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(1900, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(-44, 3, 15).unwrap(),
            NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap(),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ];
        let micros = [
            0,
            1_764_639_435_000_000,
            1_764_639_435_771_000,
            1_764_639_435_771_234,
            1_764_639_435_000_001,
            -1,
            253_402_300_799_999_999,
        ];
        for d in days {
            for m in micros {
                let t = DateTime::from_timestamp_micros(m).unwrap();
                for o in [None, Some(d)] {
                    let ours = serde_json::to_string(&Ours { d, o, t }).unwrap();
                    let theirs = serde_json::to_string(&Chrono { d, o, t }).unwrap();
                    assert_eq!(ours, theirs);
                }
            }
        }
        let nanos = DateTime::from_timestamp(1_764_639_435, 123_456_789).unwrap();
        assert_eq!(
            serde_json::to_value(Ours {
                d: days[0],
                o: None,
                t: nanos
            })
            .unwrap()["t"],
            serde_json::to_value(Chrono {
                d: days[0],
                o: None,
                t: nanos
            })
            .unwrap()["t"]
        );
    }
}
