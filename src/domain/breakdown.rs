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
}

/// The age bands of a breakdown by `age_band`, in order.
pub const AGE_BANDS: [&str; 3] = ["under_26", "26_49", "50_plus"];

#[cfg(test)]
mod tests {
    use super::*;

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
