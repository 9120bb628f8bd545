//! What a breakdown splits the figures by, and which keys are a person's
//! attribute: with `disclosure`, the whole of the disclosure rule's
//! knowledge of breakdowns.

super::codes::code_enum! {
    /// What a breakdown splits the figures by.
    BreakdownKey {
        Sex => "sex",
        AgeBand => "age_band",
        QualificationLevel => "qualification_level",
        Eligibility => "eligibility",
        Modality => "modality",
        Qpv => "qpv",
        Contract => "contract",
        Operation => "operation",
        Month => "month",
        ClauseType => "clause_type",
        MarketNature => "market_nature",
        CpvDivision => "cpv_division",
        BuyerCategory => "buyer_category",
        EmployerSiaeType => "employer_siae_type",
        Territory => "territory",
    }
}

impl BreakdownKey {
    /// Keys that are a person's attribute: their figures are about people
    /// (API.md, "Disclosure control").
    pub fn is_person_attribute(self) -> bool {
        matches!(
            self,
            BreakdownKey::Sex
                | BreakdownKey::AgeBand
                | BreakdownKey::QualificationLevel
                | BreakdownKey::Eligibility
                | BreakdownKey::Qpv
        )
    }

    /// Person-attribute keys that put each person in exactly one row, so
    /// that the rows add up to the selection.
    pub fn is_partition(self) -> bool {
        self.is_person_attribute() && self != BreakdownKey::Eligibility
    }

    /// Every key a person-attribute breakdown lists, whether anyone has it
    /// or not (which rows exist must tell nothing); none for other keys.
    pub fn codes(self) -> Vec<Option<&'static str>> {
        use super::codes::{Eligibility, QualificationLevel, Sex};
        match self {
            BreakdownKey::Sex => Sex::ALL.iter().map(|c| Some(c.as_str())).collect(),
            BreakdownKey::AgeBand => AGE_BANDS.iter().map(|c| Some(*c)).collect(),
            BreakdownKey::QualificationLevel => QualificationLevel::ALL
                .iter()
                .map(|c| Some(c.as_str()))
                .chain([None])
                .collect(),
            BreakdownKey::Eligibility => {
                Eligibility::ALL.iter().map(|c| Some(c.as_str())).collect()
            }
            BreakdownKey::Qpv => vec![Some("yes"), Some("no")],
            _ => Vec::new(),
        }
    }

    /// A row's place in a breakdown: codes in the order of their lists,
    /// other keys alphabetically, the row without a key last.
    pub fn order(self, key: Option<&str>) -> (bool, usize, String) {
        use super::codes::{
            BuyerCategory, ClauseType, Eligibility, MarketNature, Modality, QualificationLevel,
            Sex, SiaeType,
        };
        let position = |codes: Vec<&str>| {
            key.and_then(|k| codes.iter().position(|c| *c == k))
                .unwrap_or(usize::MAX)
        };
        let rank = match self {
            BreakdownKey::Sex => position(Sex::ALL.iter().map(|c| c.as_str()).collect()),
            BreakdownKey::AgeBand => position(AGE_BANDS.to_vec()),
            BreakdownKey::QualificationLevel => {
                position(QualificationLevel::ALL.iter().map(|c| c.as_str()).collect())
            }
            BreakdownKey::Eligibility => {
                position(Eligibility::ALL.iter().map(|c| c.as_str()).collect())
            }
            BreakdownKey::Modality => position(Modality::ALL.iter().map(|c| c.as_str()).collect()),
            BreakdownKey::Qpv => position(vec!["yes", "no"]),
            BreakdownKey::ClauseType => {
                position(ClauseType::ALL.iter().map(|c| c.as_str()).collect())
            }
            BreakdownKey::MarketNature => {
                position(MarketNature::ALL.iter().map(|c| c.as_str()).collect())
            }
            BreakdownKey::BuyerCategory => {
                position(BuyerCategory::ALL.iter().map(|c| c.as_str()).collect())
            }
            BreakdownKey::EmployerSiaeType => {
                position(SiaeType::ALL.iter().map(|c| c.as_str()).collect())
            }
            _ => 0,
        };
        (key.is_none(), rank, key.unwrap_or_default().to_string())
    }
}

/// The age bands of a breakdown by `age_band`, in order.
pub const AGE_BANDS: [&str; 3] = ["under_26", "26_49", "50_plus"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_code_lists_then_the_alphabet_and_null_last() {
        fn sorted<'a>(by: BreakdownKey, keys: &[Option<&'a str>]) -> Vec<Option<&'a str>> {
            let mut keys = keys.to_vec();
            keys.sort_by_key(|k| by.order(*k));
            keys
        }
        assert_eq!(
            sorted(
                BreakdownKey::AgeBand,
                &[Some("50_plus"), Some("under_26"), Some("26_49")]
            ),
            [Some("under_26"), Some("26_49"), Some("50_plus")]
        );
        assert_eq!(
            sorted(BreakdownKey::Qpv, &[Some("no"), Some("yes")]),
            [Some("yes"), Some("no")]
        );
        assert_eq!(
            sorted(
                BreakdownKey::QualificationLevel,
                &[None, Some("5"), Some("3")]
            ),
            [Some("3"), Some("5"), None]
        );
        assert_eq!(
            sorted(
                BreakdownKey::Operation,
                &[None, Some("Zac"), Some("ANRU Grigny")]
            ),
            [Some("ANRU Grigny"), Some("Zac"), None]
        );
        // A code the list does not hold comes after the listed ones.
        assert_eq!(
            sorted(BreakdownKey::Sex, &[Some("X"), Some("M"), Some("F")]),
            [Some("F"), Some("M"), Some("X")]
        );
    }

    #[test]
    fn person_attributes_and_partitions() {
        let people: Vec<BreakdownKey> = BreakdownKey::ALL
            .iter()
            .copied()
            .filter(|k| k.is_person_attribute())
            .collect();
        use BreakdownKey::*;
        assert_eq!(people, [Sex, AgeBand, QualificationLevel, Eligibility, Qpv]);
        // Eligibility codes overlap: no complement among its rows.
        assert!(!Eligibility.is_partition() && Sex.is_partition() && !Month.is_partition());
        // Every code of a person-attribute key is listed, unknown included.
        assert_eq!(Qpv.codes(), [Some("yes"), Some("no")]);
        assert_eq!(QualificationLevel.codes().last(), Some(&None));
        assert_eq!(AgeBand.codes().len(), 3);
        assert!(Contract.codes().is_empty());
    }
}
