//! Common Procurement Vocabulary codes (Regulation (EC) No 213/2008): eight
//! digits, often written with a check digit (`45210000-2`), whose first two
//! digits, the division, say what the contract buys.

use super::codes::MarketNature;

/// A CPV code as the service keeps it: the eight digits, check digit
/// dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpv(String);

impl Cpv {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first two digits.
    pub fn division(&self) -> u8 {
        division_of(&self.0).expect("a checked code")
    }

    /// The nature the division gives: 45 works, 03 to 44 supplies, 48 to
    /// 98 services.
    pub fn nature(&self) -> MarketNature {
        nature_of_division(self.division()).expect("a checked code")
    }
}

fn division_of(code: &str) -> Option<u8> {
    code.get(..2)?.parse().ok()
}

/// The nature of a division, `None` for a number that is not one.
pub fn nature_of_division(division: u8) -> Option<MarketNature> {
    match division {
        45 => Some(MarketNature::Works),
        3..=44 => Some(MarketNature::Supplies),
        48..=98 => Some(MarketNature::Services),
        _ => None,
    }
}

/// Reads a code as written: spaces around it ignored, a `-N` check digit
/// accepted and dropped. The error says what is wrong, for a 422 on the
/// field.
pub fn parse(text: &str) -> Result<Cpv, String> {
    let text = text.trim();
    let digits = match text.split_once('-') {
        Some((code, check)) if check.len() == 1 && check.bytes().all(|b| b.is_ascii_digit()) => {
            code
        }
        Some(_) => {
            return Err(
                "must be 8 digits, optionally followed by a check digit as `-N` (e.g. 45210000-2)"
                    .into(),
            )
        }
        None => text,
    };
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            "must be 8 digits, optionally followed by a check digit as `-N` (e.g. 45210000-2)"
                .into(),
        );
    }
    let division = division_of(digits).expect("two digits");
    if nature_of_division(division).is_none() {
        return Err(format!(
            "division {division:02} is not a CPV division: the first two digits must be from 03 to 45 or from 48 to 98"
        ));
    }
    Ok(Cpv(digits.to_string()))
}

/// A stored division as its two-digit code.
pub fn division_code(code: &str) -> Option<&str> {
    code.get(..2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_and_without_check_digit() {
        assert_eq!(parse("45210000-2").unwrap().as_str(), "45210000");
        assert_eq!(parse(" 45210000 ").unwrap().as_str(), "45210000");
        assert!(parse("45210000-").is_err());
        assert!(parse("45210000-22").is_err());
        assert!(parse("4521000").is_err());
        assert!(parse("452100000").is_err());
        assert!(parse("4521000A").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn divisions_outside_the_table_are_refused() {
        for code in [
            "00000000", "01000000", "02000000", "46000000", "47000000", "99000000",
        ] {
            let e = parse(code).unwrap_err();
            assert!(e.contains("division"), "{code}: {e}");
        }
        for code in ["03000000", "44000000", "45000000", "48000000", "98000000"] {
            assert!(parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn nature_follows_the_division() {
        assert_eq!(parse("45210000").unwrap().nature(), MarketNature::Works);
        assert_eq!(parse("03100000").unwrap().nature(), MarketNature::Supplies);
        assert_eq!(parse("44100000").unwrap().nature(), MarketNature::Supplies);
        assert_eq!(parse("48000000").unwrap().nature(), MarketNature::Services);
        assert_eq!(parse("90910000").unwrap().nature(), MarketNature::Services);
        assert_eq!(parse("90910000").unwrap().division(), 90);
    }
}
