//! Code columns read straight into their enums. A code in the database
//! that the service does not know is a bug (the database's CHECK
//! constraints refuse it in the first place): reading it fails loudly,
//! with the column's value in the logged error, instead of falling back to
//! a default.

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Text;

use crate::domain::codes::{
    BuyerCategory, ClauseType, CommitmentSource, HoursStatus, MarketNature, Modality, OrgKind,
    Programme, Sex,
};
use crate::domain::offer::{ContractType, OfferStatus, ProposalStatus};
use crate::domain::outcome::Situation;
use crate::domain::standing::Pricing;

macro_rules! read_codes {
    ($($code:ty),+ $(,)?) => {$(
        impl FromSql<Text, Pg> for $code {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(value)?;
                <$code>::parse(&text).ok_or_else(|| {
                    format!("unknown {} code {text:?} in the database", stringify!($code)).into()
                })
            }
        }

        impl Queryable<Text, Pg> for $code {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
}

read_codes!(
    Pricing,
    BuyerCategory,
    ContractType,
    OfferStatus,
    ProposalStatus,
    ClauseType,
    MarketNature,
    Programme,
    CommitmentSource,
    HoursStatus,
    Modality,
    OrgKind,
    Sex,
    Situation
);
