//! What makes a beneficiary's record valid.

use chrono::NaiveDate;
use uuid::Uuid;

use super::calendar::age_on;
use super::codes::{Eligibility, QualificationLevel, Sex};
use super::numbers;
use super::violations::Violations;

pub const MIN_AGE: i32 = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFields {
    pub last_name: String,
    pub first_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub postal_code: String,
    pub qpv_code: Option<String>,
    pub qualification_level: Option<QualificationLevel>,
    pub eligibility: Vec<Eligibility>,
    pub eligibility_reason: Option<String>,
    pub referent_id: Option<Uuid>,
}

/// `QN09103M` (2024 list) or `QP091001` (2015 list).
pub fn is_qpv_code(s: &str) -> bool {
    let b = s.as_bytes();
    match b {
        [b'Q', b'N', rest @ ..] if rest.len() == 6 => {
            rest[..5].iter().all(u8::is_ascii_digit) && rest[5].is_ascii_uppercase()
        }
        [b'Q', b'P', rest @ ..] if rest.len() == 6 => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

pub fn is_postal_code(s: &str) -> bool {
    s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// No one born before it is still looking for work: an earlier date is a
/// typing error.
pub fn earliest_birth_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date")
}

pub fn check(mut f: PersonFields, today: NaiveDate, v: &mut Violations) -> PersonFields {
    f.last_name = numbers::text(v, "last_name", &f.last_name, 100);
    f.first_name = numbers::text(v, "first_name", &f.first_name, 100);
    if !v.has("birth_date") {
        if f.birth_date > today {
            v.add("birth_date", "must not be in the future");
        } else if f.birth_date < earliest_birth_date() {
            v.add(
                "birth_date",
                format!("must be on or after {}", earliest_birth_date()),
            );
        } else if age_on(f.birth_date, today) < MIN_AGE {
            v.add(
                "birth_date",
                format!("the person must be at least {MIN_AGE}"),
            );
        }
    }
    f.postal_code = f.postal_code.trim().to_string();
    if !v.has("postal_code") && !is_postal_code(&f.postal_code) {
        v.add("postal_code", "must be 5 digits");
    }
    f.qpv_code = f
        .qpv_code
        .map(|q| q.trim().to_ascii_uppercase())
        .filter(|q| !q.is_empty());
    if let Some(q) = &f.qpv_code {
        if !is_qpv_code(q) {
            v.add(
                "qpv_code",
                "must look like QN09103M (2024 list) or QP091001 (2015 list)",
            );
        }
    }
    f.eligibility.sort();
    f.eligibility.dedup();
    if f.eligibility.is_empty() && !v.has("eligibility") {
        v.add("eligibility", "must hold at least one criterion");
    }
    f.eligibility_reason = f
        .eligibility_reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if f.eligibility.contains(&Eligibility::OtherValidated) && f.eligibility_reason.is_none() {
        v.add(
            "eligibility_reason",
            "is required with `other_validated`: say which difficulties the facilitator validated",
        );
    }
    if f.eligibility_reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > 1000)
    {
        v.add("eligibility_reason", "must be at most 1000 characters");
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn base() -> PersonFields {
        PersonFields {
            last_name: " Diallo ".into(),
            first_name: "Awa".into(),
            sex: Sex::F,
            birth_date: d("1999-05-01"),
            postal_code: "91100".into(),
            qpv_code: Some("qn09103m".into()),
            qualification_level: None,
            eligibility: vec![Eligibility::Rsa, Eligibility::Rsa],
            eligibility_reason: None,
            referent_id: None,
        }
    }

    #[test]
    fn qpv_codes() {
        for ok in ["QN09103M", "QP091001"] {
            assert!(is_qpv_code(ok), "{ok}");
        }
        for bad in [
            "QN091030", "QP09100", "QX091001", "qn09103m", "QN0910M3", "",
        ] {
            assert!(!is_qpv_code(bad), "{bad}");
        }
    }

    #[test]
    fn normalises_a_valid_person() {
        let mut v = Violations::default();
        let f = check(base(), d("2026-11-25"), &mut v);
        assert!(v.finish().is_ok());
        assert_eq!(f.last_name, "Diallo");
        assert_eq!(f.qpv_code.as_deref(), Some("QN09103M"));
        assert_eq!(f.eligibility, vec![Eligibility::Rsa]);
    }

    #[test]
    fn age_and_codes_are_checked() {
        let today = d("2026-11-25");
        let mut v = Violations::default();
        let mut p = base();
        p.birth_date = d("2010-11-26"); // 15 until tomorrow
        p.postal_code = "9110".into();
        p.qpv_code = Some("Q1".into());
        p.eligibility = vec![Eligibility::OtherValidated];
        check(p, today, &mut v);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "birth_date",
                "postal_code",
                "qpv_code",
                "eligibility_reason"
            ]
        );

        let mut v = Violations::default();
        let mut p = base();
        p.birth_date = d("2010-11-25"); // 16 today
        check(p, today, &mut v);
        assert!(v.finish().is_ok());

        let mut v = Violations::default();
        let mut p = base();
        p.birth_date = d("2027-01-01");
        p.eligibility = vec![];
        check(p, today, &mut v);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["birth_date", "eligibility"]);
    }
}
