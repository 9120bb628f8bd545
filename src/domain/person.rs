//! What makes a beneficiary's record valid.

use chrono::NaiveDate;
use uuid::Uuid;

use super::calendar::age_on;
use super::codes::{Eligibility, QualificationLevel, Sex};
use super::numbers;
use super::violations::Violations;

pub const MIN_AGE: i32 = 16;
/// Longest `last_name`, `first_name` (characters).
pub const NAME_MAX: usize = 100;
/// Longest `eligibility_reason`.
pub const ELIGIBILITY_REASON_MAX: usize = 1000;

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

/// A person's record as a request gives it: the required fields may be
/// missing, and no stand-in value replaces them.
#[derive(Debug, Clone, Default)]
pub struct PersonDraft {
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub sex: Option<Sex>,
    pub birth_date: Option<NaiveDate>,
    pub postal_code: Option<String>,
    pub qpv_code: Option<String>,
    pub qualification_level: Option<QualificationLevel>,
    pub eligibility: Option<Vec<Eligibility>>,
    pub eligibility_reason: Option<String>,
    pub referent_id: Option<Uuid>,
}

impl From<PersonFields> for PersonDraft {
    fn from(f: PersonFields) -> Self {
        PersonDraft {
            last_name: Some(f.last_name),
            first_name: Some(f.first_name),
            sex: Some(f.sex),
            birth_date: Some(f.birth_date),
            postal_code: Some(f.postal_code),
            qpv_code: f.qpv_code,
            qualification_level: f.qualification_level,
            eligibility: Some(f.eligibility),
            eligibility_reason: f.eligibility_reason,
            referent_id: f.referent_id,
        }
    }
}

/// Normalises and checks a record: every required field that is absent is
/// reported, and every rule runs on the fields that are present. The record
/// comes back when all required fields were there (it is valid only if `v`
/// holds nothing either).
pub fn check(d: PersonDraft, today: NaiveDate, v: &mut Violations) -> Option<PersonFields> {
    let last_name = v
        .require("last_name", d.last_name)
        .map(|n| numbers::text(v, "last_name", &n, NAME_MAX));
    let first_name = v
        .require("first_name", d.first_name)
        .map(|n| numbers::text(v, "first_name", &n, NAME_MAX));
    let sex = v.require("sex", d.sex);
    let birth_date = v.require("birth_date", d.birth_date);
    if let Some(birth) = birth_date.filter(|_| !v.has("birth_date")) {
        if birth > today {
            v.add("birth_date", "must not be in the future");
        } else if birth < earliest_birth_date() {
            v.add(
                "birth_date",
                format!("must be on or after {}", earliest_birth_date()),
            );
        } else if age_on(birth, today) < MIN_AGE {
            v.add(
                "birth_date",
                format!("the person must be at least {MIN_AGE}"),
            );
        }
    }
    let postal_code = v
        .require("postal_code", d.postal_code)
        .map(|c| c.trim().to_string());
    if postal_code
        .as_deref()
        .is_some_and(|c| !v.has("postal_code") && !is_postal_code(c))
    {
        v.add("postal_code", "must be 5 digits");
    }
    let qpv_code = d
        .qpv_code
        .map(|q| q.trim().to_ascii_uppercase())
        .filter(|q| !q.is_empty());
    if let Some(q) = &qpv_code {
        if !is_qpv_code(q) {
            v.add(
                "qpv_code",
                "must look like QN09103M (2024 list) or QP091001 (2015 list)",
            );
        }
    }
    let eligibility = v.require("eligibility", d.eligibility).map(|mut e| {
        e.sort();
        e.dedup();
        e
    });
    if eligibility.as_ref().is_some_and(Vec::is_empty) && !v.has("eligibility") {
        v.add("eligibility", "must hold at least one criterion");
    }
    let eligibility_reason = d
        .eligibility_reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if eligibility
        .as_ref()
        .is_some_and(|e| e.contains(&Eligibility::OtherValidated))
        && eligibility_reason.is_none()
    {
        v.add(
            "eligibility_reason",
            "is required with `other_validated`: say which difficulties the facilitator validated",
        );
    }
    numbers::at_most(
        v,
        "eligibility_reason",
        eligibility_reason.as_deref(),
        ELIGIBILITY_REASON_MAX,
    );
    Some(PersonFields {
        last_name: last_name?,
        first_name: first_name?,
        sex: sex?,
        birth_date: birth_date?,
        postal_code: postal_code?,
        qpv_code,
        qualification_level: d.qualification_level,
        eligibility: eligibility?,
        eligibility_reason,
        referent_id: d.referent_id,
    })
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
        let f = check(base().into(), d("2026-11-25"), &mut v).unwrap();
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
        check(p.into(), today, &mut v);
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
        check(p.into(), today, &mut v);
        assert!(v.finish().is_ok());

        let mut v = Violations::default();
        let mut p = base();
        p.birth_date = d("2027-01-01");
        p.eligibility = vec![];
        check(p.into(), today, &mut v);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["birth_date", "eligibility"]);
    }

    #[test]
    fn missing_fields_are_reported_and_the_rest_still_checked() {
        let mut v = Violations::default();
        let draft = PersonDraft {
            qpv_code: Some("Q1".into()),
            eligibility: Some(vec![Eligibility::OtherValidated]),
            ..PersonDraft::default()
        };
        assert_eq!(check(draft, d("2026-11-25"), &mut v), None);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "last_name",
                "first_name",
                "sex",
                "birth_date",
                "postal_code",
                "qpv_code",
                "eligibility_reason"
            ]
        );
    }
}
