//! A small, realistic demo territory in the Essonne: the facilitator, the
//! PLIE, the Département, State services, buyers, holders and insertion
//! employers. Fixed ids, so loading it twice changes nothing.

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::organisations;

pub struct DemoOrg {
    pub id: Uuid,
    pub kind: &'static str,
    pub name: &'static str,
    pub siret: Option<&'static str>,
    pub siae_type: Option<&'static str>,
}

const fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0d3e_0000_0000_4000_8000_0000_0000_0000 | n)
}

pub const FACILITATOR: Uuid = id(1);
pub const PLIE: Uuid = id(2);
pub const DEPARTMENT: Uuid = id(3);
pub const STATE: Uuid = id(4);
pub const AGGLOMERATION: Uuid = id(5);
pub const TOWN: Uuid = id(6);
pub const SOCIAL_LANDLORD: Uuid = id(7);
pub const BUILDER: Uuid = id(8);
pub const CLEANER: Uuid = id(9);
pub const ETTI: Uuid = id(10);
pub const ACI: Uuid = id(11);
pub const GEIQ: Uuid = id(12);

pub const ORGANISATIONS: &[DemoOrg] = &[
    DemoOrg {
        id: FACILITATOR,
        kind: "facilitator",
        name: "MIVE — facilitation des clauses sociales",
        siret: Some("21910001922678"),
        siae_type: None,
    },
    DemoOrg {
        id: PLIE,
        kind: "plie",
        name: "PLIE Évry Villabé Essonne",
        siret: Some("21910227774333"),
        siae_type: None,
    },
    DemoOrg {
        id: DEPARTMENT,
        kind: "department",
        name: "Département de l'Essonne",
        siret: Some("22910006485290"),
        siae_type: None,
    },
    DemoOrg {
        id: STATE,
        kind: "state",
        name: "DDETS de l'Essonne",
        siret: Some("13000459757931"),
        siae_type: None,
    },
    DemoOrg {
        id: AGGLOMERATION,
        kind: "buyer",
        name: "Communauté d'agglomération Grand Paris Sud",
        siret: Some("25009109573362"),
        siae_type: None,
    },
    DemoOrg {
        id: TOWN,
        kind: "buyer",
        name: "Ville de Corbeil-Essonnes",
        siret: Some("21910174000013"),
        siae_type: None,
    },
    DemoOrg {
        id: SOCIAL_LANDLORD,
        kind: "buyer",
        name: "Essonne Habitat Social",
        siret: Some("77912341178469"),
        siae_type: None,
    },
    DemoOrg {
        id: BUILDER,
        kind: "company",
        name: "Bâtiments du Val d'Essonne",
        siret: Some("81324568568626"),
        siae_type: None,
    },
    DemoOrg {
        id: CLEANER,
        kind: "company",
        name: "Propreté Seine-Essonne",
        siret: Some("82456785265831"),
        siae_type: None,
    },
    DemoOrg {
        id: ETTI,
        kind: "company",
        name: "Essonne Intérim Insertion (ETTI)",
        siret: Some("44123454080662"),
        siae_type: Some("etti"),
    },
    DemoOrg {
        id: ACI,
        kind: "company",
        name: "Les Jardins de Corbeil (ACI)",
        siret: Some("51234562831860"),
        siae_type: Some("aci"),
    },
    DemoOrg {
        id: GEIQ,
        kind: "company",
        name: "GEIQ BTP Essonne",
        siret: None,
        siae_type: Some("geiq"),
    },
];

/// Loads the demo territory; returns how many rows were new.
pub fn load(conn: &mut PgConnection) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let mut added = 0;
        for o in ORGANISATIONS {
            added += diesel::insert_into(organisations::table)
                .values((
                    organisations::id.eq(o.id),
                    organisations::kind.eq(o.kind),
                    organisations::name.eq(o.name),
                    organisations::siret.eq(o.siret),
                    organisations::siae_type.eq(o.siae_type),
                ))
                .on_conflict_do_nothing()
                .execute(conn)?;
        }
        Ok(added)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::siret;

    #[test]
    fn demo_sirets_are_valid() {
        for o in ORGANISATIONS {
            if let Some(s) = o.siret {
                assert_eq!(siret::check(s), Ok(()), "{}", o.name);
            }
        }
    }
}
