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
    pub buyer_category: Option<&'static str>,
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
/// The facilitator of the neighbouring territory, Grand Paris Sud.
pub const GPS_FACILITATOR: Uuid = id(13);
/// The second territory (the first is the one every deployment has).
pub const GPS: Uuid = id(0x901);

pub const ORGANISATIONS: &[DemoOrg] = &[
    DemoOrg {
        id: FACILITATOR,
        kind: "facilitator",
        name: "MIVE — facilitation des clauses sociales",
        siret: Some("21910001922678"),
        siae_type: None,
        buyer_category: None,
    },
    DemoOrg {
        id: GPS_FACILITATOR,
        kind: "facilitator",
        name: "Maison de l'emploi Grand Paris Sud — clauses sociales",
        siret: None,
        siae_type: None,
        buyer_category: None,
    },
    DemoOrg {
        id: PLIE,
        kind: "plie",
        name: "PLIE Évry Villabé Essonne",
        siret: Some("21910227774333"),
        siae_type: None,
        buyer_category: None,
    },
    DemoOrg {
        id: DEPARTMENT,
        kind: "department",
        name: "Département de l'Essonne",
        siret: Some("22910006485290"),
        siae_type: None,
        buyer_category: Some("department"),
    },
    DemoOrg {
        id: STATE,
        kind: "state",
        name: "DDETS de l'Essonne",
        siret: Some("13000459757931"),
        siae_type: None,
        buyer_category: None,
    },
    DemoOrg {
        id: AGGLOMERATION,
        kind: "buyer",
        name: "Communauté d'agglomération Grand Paris Sud",
        siret: Some("25009109573362"),
        siae_type: None,
        buyer_category: Some("intermunicipality"),
    },
    DemoOrg {
        id: TOWN,
        kind: "buyer",
        name: "Ville de Corbeil-Essonnes",
        siret: Some("21910174000013"),
        siae_type: None,
        buyer_category: Some("municipality"),
    },
    DemoOrg {
        id: SOCIAL_LANDLORD,
        kind: "buyer",
        name: "Essonne Habitat Social",
        siret: Some("77912341178469"),
        siae_type: None,
        buyer_category: Some("social_landlord"),
    },
    DemoOrg {
        id: BUILDER,
        kind: "company",
        name: "Bâtiments du Val d'Essonne",
        siret: Some("81324568568626"),
        siae_type: None,
        buyer_category: None,
    },
    DemoOrg {
        id: CLEANER,
        kind: "company",
        name: "Propreté Seine-Essonne",
        siret: Some("82456785265831"),
        siae_type: None,
        buyer_category: None,
    },
    DemoOrg {
        id: ETTI,
        kind: "company",
        name: "Essonne Intérim Insertion (ETTI)",
        siret: Some("44123454080662"),
        siae_type: Some("etti"),
        buyer_category: None,
    },
    DemoOrg {
        id: ACI,
        kind: "company",
        name: "Les Jardins de Corbeil (ACI)",
        siret: Some("51234562831860"),
        siae_type: Some("aci"),
        buyer_category: None,
    },
    DemoOrg {
        id: GEIQ,
        kind: "company",
        name: "GEIQ BTP Essonne",
        siret: None,
        siae_type: Some("geiq"),
        buyer_category: None,
    },
];

/// Contracts, people, placements, validated months and outcomes of 2019,
/// so that the figures, fulfilments and reports have something to show.
/// Names are invented.
const ACTIVITY: &str = r#"
-- The ANRU 2 works on the Tarterêts, in Corbeil-Essonnes: an NPNRU
-- operation whose contracts (works, services, supplies) give hours together.
INSERT INTO operations (id, name, programme, qpv_codes, start_date, end_date, target_hours, territory_id)
VALUES ('0d3e0000-0000-4000-8000-000000000401', 'NPNRU Tarterêts', 'npnru', '{QN09103M}',
        '2017-01-01', '2027-12-31', 5000, '@HOME@')
ON CONFLICT DO NOTHING;

INSERT INTO contracts (id, buyer_id, holder_id, reference, title, operation, clause_type, start_date, end_date,
                       amount_excl_tax, labour_share, insertion_rate, hourly_cost, commitment_hours, commitment_source, territory_id)
VALUES
 ('0d3e0000-0000-4000-8000-000000000101', '0d3e0000-0000-4000-8000-000000000005', '0d3e0000-0000-4000-8000-000000000008',
  'GPS-2019-TX-07', 'Réhabilitation de 120 logements, secteur Tarterêts', 'NPNRU Tarterêts', 'execution_condition',
  '2019-01-01', '2021-06-30', 2400000, 0.40, 0.05, 35, 1371.43, 'computed', '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000102', '0d3e0000-0000-4000-8000-000000000006', '0d3e0000-0000-4000-8000-000000000009',
  'CE-2019-NET-02', 'Nettoyage des bâtiments communaux', NULL, 'execution_condition',
  '2019-03-01', '2022-02-28', NULL, NULL, NULL, NULL, 2000, 'given', '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000103', '0d3e0000-0000-4000-8000-000000000003', '0d3e0000-0000-4000-8000-00000000000b',
  'CD91-2019-EV-11', 'Entretien des espaces verts des collèges', NULL, 'reserved_market',
  '2019-01-01', '2019-12-31', 180000, 0.65, 0.05, 30, 195, 'computed', '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000104', '0d3e0000-0000-4000-8000-000000000007', '0d3e0000-0000-4000-8000-000000000009',
  'EHS-2019-GUP-03', 'Gestion urbaine de proximité, quartier des Tarterêts', 'NPNRU Tarterêts', 'execution_condition',
  '2019-06-01', '2022-05-31', NULL, NULL, NULL, NULL, 1200, 'given', '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000105', '0d3e0000-0000-4000-8000-000000000005', '0d3e0000-0000-4000-8000-000000000008',
  'GPS-2020-FO-01', 'Fourniture et pose de mobilier urbain, Tarterêts', 'NPNRU Tarterêts', 'award_criterion',
  '2020-01-01', '2020-12-31', NULL, NULL, NULL, NULL, 300, 'given', '@HOME@')
ON CONFLICT DO NOTHING;

-- What the observatories break down by (set once: a later change stays).
UPDATE contracts SET cpv_code = v.cpv, market_nature = v.nature,
       operation_id = CASE WHEN operation = 'NPNRU Tarterêts' THEN '0d3e0000-0000-4000-8000-000000000401'::uuid END
FROM (VALUES
 ('0d3e0000-0000-4000-8000-000000000101'::uuid, '45211000', 'works'),
 ('0d3e0000-0000-4000-8000-000000000102', '90911200', 'services'),
 ('0d3e0000-0000-4000-8000-000000000103', '77310000', 'services'),
 ('0d3e0000-0000-4000-8000-000000000104', '90910000', 'services'),
 ('0d3e0000-0000-4000-8000-000000000105', '34928400', 'supplies')
) AS v (id, cpv, nature)
WHERE contracts.id = v.id AND contracts.cpv_code IS NULL;

INSERT INTO beneficiaries (id, last_name, first_name, sex, birth_date, postal_code, qpv_code, qualification_level,
                           eligibility, referent_id, territory_id)
VALUES
 ('0d3e0000-0000-4000-8000-000000000201', 'Exemple', 'Karim', 'M', '1996-02-14', '91100', 'QN09103M', 'infra_3',
  '{long_term_unemployed,plie_participant}', '0d3e0000-0000-4000-8000-000000000002', '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000202', 'Démo', 'Sandrine', 'F', '1971-09-03', '91000', NULL, '3',
  '{rsa,senior_50_plus}', '0d3e0000-0000-4000-8000-000000000002', '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000203', 'Fictif', 'Moussa', 'M', '2001-06-21', '91100', 'QN09103M', '3',
  '{young_low_qualified}', '0d3e0000-0000-4000-8000-000000000002', '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000204', 'Témoin', 'Julien', 'M', '1988-11-30', '91080', NULL, '4',
  '{disabled_worker}', NULL, '@HOME@')
ON CONFLICT DO NOTHING;

INSERT INTO placements (id, beneficiary_id, contract_id, employer_id, modality, job_title, start_date, end_date, weekly_hours)
VALUES
 ('0d3e0000-0000-4000-8000-000000000301', '0d3e0000-0000-4000-8000-000000000201', '0d3e0000-0000-4000-8000-000000000101',
  '0d3e0000-0000-4000-8000-00000000000a', 'integration_temporary_work', 'Manœuvre', '2019-02-04', '2019-07-31', 35),
 ('0d3e0000-0000-4000-8000-000000000302', '0d3e0000-0000-4000-8000-000000000202', '0d3e0000-0000-4000-8000-000000000102',
  '0d3e0000-0000-4000-8000-000000000009', 'direct_permanent', 'Agente de propreté', '2019-03-11', NULL, 24),
 ('0d3e0000-0000-4000-8000-000000000303', '0d3e0000-0000-4000-8000-000000000203', '0d3e0000-0000-4000-8000-000000000101',
  '0d3e0000-0000-4000-8000-00000000000c', 'geiq', 'Apprenti maçon', '2019-09-02', NULL, 35),
 ('0d3e0000-0000-4000-8000-000000000304', '0d3e0000-0000-4000-8000-000000000204', '0d3e0000-0000-4000-8000-000000000103',
  '0d3e0000-0000-4000-8000-00000000000b', 'siae_subcontracting', 'Ouvrier paysagiste', '2019-04-01', '2019-10-31', 26),
 ('0d3e0000-0000-4000-8000-000000000305', '0d3e0000-0000-4000-8000-000000000204', '0d3e0000-0000-4000-8000-000000000104',
  '0d3e0000-0000-4000-8000-000000000009', 'direct_fixed_term', 'Agent de médiation', '2019-11-04', NULL, 20)
ON CONFLICT DO NOTHING;

INSERT INTO monthly_hours (id, placement_id, month, worked_hours, training_hours, status, declared_by, declared_role, decided_by, decided_at)
SELECT ('0d3e0000-0000-4000-8000-' || lpad(to_hex(4096 + n), 12, '0'))::uuid, p, m, w, t, 'validated',
       'demo', 'company', 'demo-facilitator', now()
FROM (VALUES
 (1, '0d3e0000-0000-4000-8000-000000000301'::uuid, '2019-02-01'::date, 121.00, 7.00),
 (2, '0d3e0000-0000-4000-8000-000000000301', '2019-03-01', 151.67, 0),
 (3, '0d3e0000-0000-4000-8000-000000000301', '2019-04-01', 147.00, 0),
 (4, '0d3e0000-0000-4000-8000-000000000302', '2019-03-01', 72.00, 0),
 (5, '0d3e0000-0000-4000-8000-000000000302', '2019-04-01', 104.00, 0),
 (6, '0d3e0000-0000-4000-8000-000000000303', '2019-09-01', 98.50, 52.00),
 (7, '0d3e0000-0000-4000-8000-000000000304', '2019-04-01', 112.67, 0),
 (8, '0d3e0000-0000-4000-8000-000000000305', '2019-11-01', 78.00, 4.00)
) AS v (n, p, m, w, t)
ON CONFLICT DO NOTHING;

-- Jobs offered on the contracts and the people proposed on them, one
-- proposal in each status (Moussa's hire is his placement on the works).
INSERT INTO offers (id, contract_id, employer_id, job_title, contract_type, hours_per_week, positions, start_date,
                    end_date, postal_code, description, qpv_priority, external_url, status, hired, territory_id)
VALUES
 ('0d3e0000-0000-4000-8000-000000000501', '0d3e0000-0000-4000-8000-000000000101', '0d3e0000-0000-4000-8000-000000000008',
  'Coffreur-bancheur', 'cdd', 35, 2, '2020-03-02', '2020-12-31', '91100',
  'Réhabilitation de logements aux Tarterêts : coffrage et banchage, travail en équipe.', true,
  'https://emplois.inclusion.beta.gouv.fr/', 'open', 0, '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000502', '0d3e0000-0000-4000-8000-000000000101', '0d3e0000-0000-4000-8000-00000000000c',
  'Apprenti maçon', 'apprenticeship', 35, 1, '2019-09-02', NULL, '91100', NULL, true, NULL, 'filled', 1, '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000503', '0d3e0000-0000-4000-8000-000000000104', '0d3e0000-0000-4000-8000-000000000009',
  'Agent de médiation', 'cdd', 20, 1, '2019-10-01', '2020-09-30', '91100', NULL, false, NULL, 'closed', 0, '@HOME@'),
 ('0d3e0000-0000-4000-8000-000000000504', '0d3e0000-0000-4000-8000-000000000104', '0d3e0000-0000-4000-8000-000000000009',
  'Agent d''entretien des espaces communs', 'cddi', 26, 1, '2020-01-06', NULL, '91100',
  'Entretien des halls et des abords, quartier des Tarterêts.', true, NULL, 'open', 0, '@HOME@')
ON CONFLICT DO NOTHING;

INSERT INTO proposals (id, offer_id, beneficiary_id, note, status, reason, proposed_by, proposer_role, proposer_org, placement_id)
VALUES
 ('0d3e0000-0000-4000-8000-000000000601', '0d3e0000-0000-4000-8000-000000000501', '0d3e0000-0000-4000-8000-000000000201',
  'Expérience de manœuvre sur le même chantier.', 'interview', NULL, 'demo-plie', 'plie', '0d3e0000-0000-4000-8000-000000000002', NULL),
 ('0d3e0000-0000-4000-8000-000000000602', '0d3e0000-0000-4000-8000-000000000501', '0d3e0000-0000-4000-8000-000000000204',
  NULL, 'proposed', NULL, 'demo-facilitator', 'facilitator', '0d3e0000-0000-4000-8000-000000000001', NULL),
 ('0d3e0000-0000-4000-8000-000000000603', '0d3e0000-0000-4000-8000-000000000501', '0d3e0000-0000-4000-8000-000000000202',
  NULL, 'declined', 'Port de charges incompatible avec le poste', 'demo-plie', 'plie', '0d3e0000-0000-4000-8000-000000000002', NULL),
 ('0d3e0000-0000-4000-8000-000000000604', '0d3e0000-0000-4000-8000-000000000502', '0d3e0000-0000-4000-8000-000000000203',
  NULL, 'hired', NULL, 'demo-plie', 'plie', '0d3e0000-0000-4000-8000-000000000002', '0d3e0000-0000-4000-8000-000000000303'),
 ('0d3e0000-0000-4000-8000-000000000605', '0d3e0000-0000-4000-8000-000000000503', '0d3e0000-0000-4000-8000-000000000202',
  NULL, 'withdrawn', NULL, 'demo-plie', 'plie', '0d3e0000-0000-4000-8000-000000000002', NULL)
ON CONFLICT DO NOTHING;

-- A contract's life (issue 27): the works were amended (more work, six
-- more months), the Département's road maintenance is a framework
-- agreement paid by orders, the green spaces' contract has a penalty and
-- an issued report (usecases::demo issues it).
INSERT INTO contracts (id, buyer_id, holder_id, reference, title, clause_type, start_date, end_date, pricing,
                       max_amount_excl_tax, amount_excl_tax, labour_share, insertion_rate, hourly_cost,
                       commitment_hours, commitment_source, initial_amount_excl_tax, cpv_code, market_nature,
                       penalty_per_missing_hour, penalty_cap_rate, report_due_on, territory_id)
VALUES
 ('0d3e0000-0000-4000-8000-000000000106', '0d3e0000-0000-4000-8000-000000000003', '0d3e0000-0000-4000-8000-000000000008',
  'CD91-2024-AC-01', 'Accord-cadre à bons de commande : entretien des routes départementales', 'execution_condition',
  '2024-01-01', '2027-12-31', 'orders', 800000, NULL, 0.35, 0.05, 35, 0, 'computed', NULL, '45233141', 'works',
  60, 0.20, '2028-03-31', '@HOME@')
ON CONFLICT DO NOTHING;

INSERT INTO contract_orders (id, contract_id, reference, ordered_on, start_date, end_date, amount_excl_tax,
                             commitment_hours, commitment_source)
VALUES
 ('0d3e0000-0000-4000-8000-000000000701', '0d3e0000-0000-4000-8000-000000000106', 'BC-2024-01', '2024-02-01',
  '2024-02-01', '2024-12-31', 150000, 75, 'computed'),
 ('0d3e0000-0000-4000-8000-000000000702', '0d3e0000-0000-4000-8000-000000000106', 'BC-2024-02', '2024-09-15',
  '2024-09-15', '2025-06-30', 90000, 45, 'computed'),
 ('0d3e0000-0000-4000-8000-000000000703', '0d3e0000-0000-4000-8000-000000000106', 'BC-2025-01', '2025-03-01',
  '2025-03-01', '2025-12-31', 120000, 80, 'given')
ON CONFLICT DO NOTHING;

INSERT INTO contract_amendments (id, contract_id, reference, signed_on, reason, amount_excl_tax, end_date)
VALUES
 ('0d3e0000-0000-4000-8000-000000000801', '0d3e0000-0000-4000-8000-000000000101', 'GPS-2019-TX-07-AV1', '2020-06-15',
  'Travaux supplémentaires sur les halls et prolongation de six mois', 2520000, '2021-12-31')
ON CONFLICT DO NOTHING;

UPDATE contracts SET penalty_per_missing_hour = 60, penalty_cap_rate = 0.20, report_due_on = '2020-03-31'
WHERE id = '0d3e0000-0000-4000-8000-000000000103' AND penalty_per_missing_hour IS NULL;

-- What became of the two who left in 2019, and six months on: the ESF
-- report and the outcome figures have leavers to count.
INSERT INTO outcomes (placement_id, situation, qualification_gained, follow_up_situation, follow_up_observed_on)
VALUES
 ('0d3e0000-0000-4000-8000-000000000301', 'fixed_term_6_months_plus', true, 'permanent_job', '2020-02-03'),
 ('0d3e0000-0000-4000-8000-000000000304', 'other_training', false, 'fixed_term_short', '2020-05-04')
ON CONFLICT DO NOTHING;
"#;

/// Grand Paris Sud, the neighbouring territory with its own facilitator:
/// a works contract of 2021 and the two people placed on it. Its people
/// are its own records (a person followed in both would be two).
const GPS_ACTIVITY: &str = r#"
INSERT INTO contracts (id, buyer_id, holder_id, reference, title, clause_type, start_date, end_date,
                       amount_excl_tax, labour_share, insertion_rate, hourly_cost, commitment_hours, commitment_source,
                       cpv_code, market_nature, territory_id)
VALUES
 ('0d3e0000-0000-4000-8000-000000000111', '0d3e0000-0000-4000-8000-000000000005', '0d3e0000-0000-4000-8000-000000000008',
  'GPS-2021-TX-12', 'Construction d''un groupe scolaire, Grigny', 'execution_condition', '2021-01-04', '2022-12-30',
  3500000, 0.40, 0.05, 35, 2000, 'computed', '45214200', 'works', '@GPS@')
ON CONFLICT DO NOTHING;

INSERT INTO beneficiaries (id, last_name, first_name, sex, birth_date, postal_code, qpv_code, qualification_level,
                           eligibility, referent_id, territory_id)
VALUES
 ('0d3e0000-0000-4000-8000-000000000211', 'Modèle', 'Inès', 'F', '1999-05-17', '91350', NULL, '3',
  '{young_under_26,rsa}', '0d3e0000-0000-4000-8000-000000000002', '@GPS@'),
 ('0d3e0000-0000-4000-8000-000000000212', 'Spécimen', 'Olivier', 'M', '1969-12-02', '91350', NULL, 'infra_3',
  '{long_term_unemployed,senior_50_plus}', NULL, '@GPS@')
ON CONFLICT DO NOTHING;

INSERT INTO placements (id, beneficiary_id, contract_id, employer_id, modality, job_title, start_date, end_date, weekly_hours)
VALUES
 ('0d3e0000-0000-4000-8000-000000000311', '0d3e0000-0000-4000-8000-000000000211', '0d3e0000-0000-4000-8000-000000000111',
  '0d3e0000-0000-4000-8000-00000000000a', 'integration_temporary_work', 'Aide-coffreuse', '2021-03-01', '2021-08-31', 35),
 ('0d3e0000-0000-4000-8000-000000000312', '0d3e0000-0000-4000-8000-000000000212', '0d3e0000-0000-4000-8000-000000000111',
  '0d3e0000-0000-4000-8000-000000000008', 'direct_fixed_term', 'Manœuvre', '2021-04-06', '2021-12-31', 35)
ON CONFLICT DO NOTHING;

INSERT INTO monthly_hours (id, placement_id, month, worked_hours, training_hours, status, declared_by, declared_role, decided_by, decided_at)
SELECT ('0d3e0000-0000-4000-8000-' || lpad(to_hex(8192 + n), 12, '0'))::uuid, p, m, w, t, 'validated',
       'demo', 'company', 'demo-facilitator-gps', now()
FROM (VALUES
 (1, '0d3e0000-0000-4000-8000-000000000311'::uuid, '2021-03-01'::date, 140.00, 7.00),
 (2, '0d3e0000-0000-4000-8000-000000000311', '2021-04-01', 151.67, 0),
 (3, '0d3e0000-0000-4000-8000-000000000312', '2021-04-01', 126.00, 0),
 (4, '0d3e0000-0000-4000-8000-000000000312', '2021-05-01', 151.67, 0)
) AS v (n, p, m, w, t)
ON CONFLICT DO NOTHING;
"#;

/// Loads the demo territory in the caller's transaction; returns how many
/// organisations were new.
pub fn load(conn: &mut PgConnection) -> QueryResult<usize> {
    use crate::db::schema::territories;
    use diesel::connection::SimpleConnection;
    // The seed's territory is the one every deployment has (the oldest).
    let home: Uuid = territories::table
        .filter(territories::id.ne(GPS))
        .order((territories::created_at, territories::id))
        .select(territories::id)
        .first(conn)?;
    diesel::update(
        territories::table
            .find(home)
            .filter(territories::name.eq("Territoire")),
    )
    .set(territories::name.eq("Cœur d'Essonne et Corbeil-Essonnes"))
    .execute(conn)?;
    let mut added = 0;
    for o in ORGANISATIONS {
        added += diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(o.id),
                organisations::kind.eq(o.kind),
                organisations::name.eq(o.name),
                organisations::siret.eq(o.siret),
                organisations::siae_type.eq(o.siae_type),
                organisations::buyer_category.eq(o.buyer_category),
                organisations::territory_id.eq((o.id == FACILITATOR).then_some(home)),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    diesel::update(
        territories::table
            .find(home)
            .filter(territories::department_id.is_null()),
    )
    .set(territories::department_id.eq(DEPARTMENT))
    .execute(conn)?;
    diesel::insert_into(territories::table)
        .values((
            territories::id.eq(GPS),
            territories::name.eq("Grand Paris Sud"),
            territories::department_id.eq(DEPARTMENT),
            territories::postal_codes.eq(vec!["91080", "91130", "91350", "91000", "77"]),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    diesel::update(organisations::table.find(GPS_FACILITATOR))
        .set(organisations::territory_id.eq(GPS))
        .execute(conn)?;
    conn.batch_execute(&ACTIVITY.replace("@HOME@", &home.to_string()))?;
    conn.batch_execute(&GPS_ACTIVITY.replace("@GPS@", &GPS.to_string()))?;
    Ok(added)
}

/// The contracts whose amendments or orders the demo writes, to derive
/// their current values from.
pub const LIVED: [Uuid; 2] = [id(0x101), id(0x106)];

/// The ended contract the demo issues a report for.
pub const REPORTED: Uuid = id(0x103);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::siret;

    #[test]
    fn demo_commitments_follow_the_formula() {
        use crate::domain::commitment::compute;
        use rust_decimal::Decimal;
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            compute(d("2400000"), d("0.40"), d("0.05"), d("35")),
            Some(d("1371.43"))
        );
        assert_eq!(
            compute(d("180000"), d("0.65"), d("0.05"), d("30")),
            Some(d("195"))
        );
    }

    #[test]
    fn demo_sirets_are_valid() {
        for o in ORGANISATIONS {
            if let Some(s) = o.siret {
                assert_eq!(siret::check(s), Ok(()), "{}", o.name);
            }
        }
    }
}
