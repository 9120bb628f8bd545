//! SIRET: 14 digits, Luhn checksum; La Poste's establishments (SIREN
//! 356000000) use their own rule, digits summing to a multiple of 5.

const LA_POSTE_SIREN: &str = "356000000";

/// Why a SIRET is refused, worded for the caller.
pub fn check(siret: &str) -> Result<(), &'static str> {
    if siret.len() != 14 || !siret.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be exactly 14 digits");
    }
    let digits: Vec<u32> = siret.bytes().map(|b| u32::from(b - b'0')).collect();
    let ok = if siret.starts_with(LA_POSTE_SIREN) {
        digits.iter().sum::<u32>() % 5 == 0
    } else {
        luhn(&digits)
    };
    if ok {
        Ok(())
    } else {
        Err("its checksum is wrong (Luhn): check the digits")
    }
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match (i % 2, d * 2) {
            (1, x) if x > 9 => x - 9,
            (1, x) => x,
            _ => d,
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_luhn() {
        // INSEE's own establishment, a well-known valid SIRET.
        assert_eq!(check("12002701600563"), Ok(()));
        assert_eq!(check("73282932000074"), Ok(()));
    }

    #[test]
    fn refuses_bad_checksum() {
        assert!(check("12002701600564").is_err());
        assert!(check("73282932000075").is_err());
    }

    #[test]
    fn refuses_wrong_shape() {
        for bad in [
            "1200270160056",
            "120027016005634",
            "1200270160056a",
            "1200 270160056",
            "",
        ] {
            assert_eq!(check(bad), Err("must be exactly 14 digits"), "{bad}");
        }
    }

    #[test]
    fn la_poste_uses_sum_rule() {
        // 3+5+6+6 = 20: a multiple of 5, though Luhn would refuse it.
        assert_eq!(check("35600000000060"), Ok(()));
        assert!(!luhn(&[3, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0]));
        // 3+5+6+4+8 = 26: refused.
        assert!(check("35600000000048").is_err());
    }
}
