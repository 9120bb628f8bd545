//! The fixed code lists of the API (DOMAIN.md), each a Rust enum that
//! serialises to its code and is stored as that code in a CHECKed column.

/// Declares an enum of codes with its JSON names, `as_str` and `parse`.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// What an organisation is in the clause's life.
    OrgKind {
        Facilitator => "facilitator",
        Plie => "plie",
        Company => "company",
        Buyer => "buyer",
        Department => "department",
        State => "state",
    }
}

code_enum! {
    /// Insertion and sheltered employers: EI, ACI, AI, ETTI (SIAE), GEIQ, EA, ESAT.
    SiaeType {
        Ei => "ei",
        Aci => "aci",
        Ai => "ai",
        Etti => "etti",
        Geiq => "geiq",
        Ea => "ea",
        Esat => "esat",
    }
}

code_enum! {
    /// Identifiers a holder without a SIRET may have (DECP `typeIdentifiant`).
    IdentifierType {
        Tva => "TVA",
        Tahiti => "TAHITI",
        Ridet => "RIDET",
        Frwf => "FRWF",
        Irep => "IREP",
        HorsUe => "HORS-UE",
    }
}

code_enum! {
    /// The legal form of the clause (Code de la commande publique).
    ClauseType {
        /// Insertion as a condition of performing the contract (L2112-2).
        ExecutionCondition => "execution_condition",
        /// Insertion performance as an award criterion (R2152-7).
        AwardCriterion => "award_criterion",
        /// Contract reserved to SIAE or disabled-worker structures (L2113-12, L2113-13).
        ReservedMarket => "reserved_market",
        /// The service bought is itself insertion (R2123-1).
        InsertionContract => "insertion_contract",
    }
}

code_enum! {
    /// Where a contract's hours commitment comes from.
    CommitmentSource {
        /// Given by the buyer or the facilitator.
        Given => "given",
        /// Computed from amount, labour share, insertion rate and hourly cost.
        Computed => "computed",
        /// Estimated from imported published data, to be confirmed.
        Estimated => "estimated",
        /// An estimate the facilitator has since set or approved.
        Confirmed => "confirmed",
    }
}

code_enum! {
    Sex {
        F => "F",
        M => "M",
    }
}

code_enum! {
    /// French 2019 nomenclature of qualification levels.
    QualificationLevel {
        /// No diploma.
        Infra3 => "infra_3",
        /// CAP, BEP.
        L3 => "3",
        /// Baccalauréat.
        L4 => "4",
        /// Bac+2.
        L5 => "5",
        L6 => "6",
        L7 => "7",
        L8 => "8",
    }
}

code_enum! {
    /// Eligibility criteria of the clause (DOMAIN.md).
    Eligibility {
        LongTermUnemployed => "long_term_unemployed",
        Rsa => "rsa",
        Ass => "ass",
        Aah => "aah",
        DisabledWorker => "disabled_worker",
        YoungLowQualified => "young_low_qualified",
        YoungUnder26 => "young_under_26",
        Senior50Plus => "senior_50_plus",
        IaePathway => "iae_pathway",
        GeiqPathway => "geiq_pathway",
        PlieParticipant => "plie_participant",
        SecondChance => "second_chance",
        Refugee => "refugee",
        /// Particular difficulties validated by the facilitator, with a reason.
        OtherValidated => "other_validated",
    }
}

code_enum! {
    /// How the hours are done.
    Modality {
        DirectPermanent => "direct_permanent",
        DirectFixedTerm => "direct_fixed_term",
        Apprenticeship => "apprenticeship",
        Professionalisation => "professionalisation",
        TemporaryWork => "temporary_work",
        IntegrationTemporaryWork => "integration_temporary_work",
        IntermediaryAssociation => "intermediary_association",
        Geiq => "geiq",
        SiaeSubcontracting => "siae_subcontracting",
        Training => "training",
    }
}

code_enum! {
    /// Where a month stands: only `validated` months count as done.
    HoursStatus {
        Declared => "declared",
        Validated => "validated",
        Rejected => "rejected",
    }
}

code_enum! {
    /// The facilitator's decision on a declared month.
    Decision {
        Validated => "validated",
        Rejected => "rejected",
    }
}

code_enum! {
    /// The programme an operation belongs to.
    Programme {
        /// Nouveau programme national de renouvellement urbain (ANRU 2).
        Npnru => "npnru",
        /// Programme national de rénovation urbaine (ANRU 1).
        Pnru => "pnru",
        Other => "other",
    }
}

code_enum! {
    /// The type of buyer the regional observatories of the clause publish by.
    BuyerCategory {
        Municipality => "municipality",
        Intermunicipality => "intermunicipality",
        Department => "department",
        Region => "region",
        State => "state",
        Hospital => "hospital",
        SocialLandlord => "social_landlord",
        PublicBody => "public_body",
        SemiPublicCompany => "semi_public_company",
        PrivateCompany => "private_company",
        Other => "other",
    }
}

code_enum! {
    /// What a contract buys, as public procurement classes it.
    MarketNature {
        Works => "works",
        Supplies => "supplies",
        Services => "services",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_json_and_text() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(*k));
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(
            IdentifierType::parse("HORS-UE"),
            Some(IdentifierType::HorsUe)
        );
        assert_eq!(SiaeType::parse("EI"), None);
    }
}
