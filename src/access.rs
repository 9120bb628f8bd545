//! Who sees what: the only place that knows API.md's access matrix. For
//! each resource it gives the SQL filter a caller's queries must carry, the
//! view (which fields) the caller gets, and whether a role may attempt an
//! operation at all (403 when never). Models apply the filters; objects
//! outside them are not found (404), so their existence does not leak.
//! Where a model needs more than a filter, a leave (`Placing`,
//! `Declaring`) is granted once and handed to the model.

use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::db::schema;
use crate::domain::disclosure::Audience;
use crate::error::{ApiError, ApiResult};

/// "Employs or holds", the one rule of what a company reaches of the rows
/// of `$table` (placements, offers): those it is the employer of, and those
/// of the contracts it holds. Every filter of that kind is this one; raw
/// statements get its SQL text from [`placements::HoursScope::sql`].
macro_rules! employs_or_holds {
    ($table:ident, $org:expr) => {{
        let org: Uuid = $org;
        schema::$table::employer_id
            .eq(org)
            .or(schema::$table::contract_id.eq_any(
                schema::contracts::table
                    .filter(schema::contracts::holder_id.eq(org))
                    .select(schema::contracts::id),
            ))
    }};
}

/// The territories the Département `$org` oversees (a select of their
/// ids): those that name it, and those that name no Département (every
/// deployment of one territory).
macro_rules! overseen_by {
    ($org:expr) => {{
        let org: Uuid = $org;
        schema::territories::table
            .filter(
                schema::territories::department_id
                    .eq(org)
                    .or(schema::territories::department_id.is_null()),
            )
            .select(schema::territories::id)
    }};
}

/// A boolean SQL condition on one table.
pub type Filter<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Bool>>;

/// No restriction. A bound `true` rather than the literal `TRUE`: diesel
/// keeps prepared statements only for queries without SQL literals, and the
/// facilitator's reads are the most frequent.
fn everything<T>() -> Filter<T> {
    Box::new(true.into_sql::<Bool>())
}

fn forbidden(what: &str) -> ApiError {
    ApiError::Forbidden(format!("your role may not {what}"))
}

/// A field only the facilitator may set: 403 naming it for anyone else.
fn facilitator_only(p: &Principal, field: &str, message: &str) -> ApiResult<()> {
    match p.role {
        Role::Facilitator => Ok(()),
        _ => Err(ApiError::forbidden_field(field, message)),
    }
}

/// The rows of `$table` (which has `territory_id`) in the territory of the
/// facilitator organisation `$org`. An organisation without a territory
/// (no facilitator's) yields NULL, which matches nothing. The territory is
/// read in the statement itself: no lookup per request, nothing cached.
/// A scalar sub-select (an init plan), not `IN (…)`: joined, PostgreSQL
/// estimated the territory's rows from `organisations.territory_id`, NULL
/// for all but the facilitators, at a few rows, and sorted a territory's
/// 100,000 placements for a page of 50 (82 ms against 0.6 ms).
macro_rules! in_territory_of {
    ($table:ident, $org:expr) => {{
        let org: Uuid = $org;
        // Not `diesel::dsl::sql`: a literal makes the statement unsafe to
        // cache, and reads by id ran at a tenth of their rate.
        schema::$table::territory_id
            .nullable()
            .eq(territory_of!(org))
            .assume_not_null()
    }};
}

/// The territory of the facilitator organisation `$org`, as a scalar
/// sub-select (see [`in_territory_of!`] for why).
macro_rules! territory_of {
    ($org:expr) => {{
        let org: Uuid = $org;
        schema::organisations::table
            .filter(schema::organisations::id.eq(org))
            .select(schema::organisations::territory_id)
            .single_value()
    }};
}

/// What a facilitator reaches of `$table`: every row for a facilitator
/// without `org` (the platform's team, every deployment of one
/// territory), its territory's for a territory's facilitator.
macro_rules! facilitator_rows {
    ($p:expr, $table:ident) => {{
        match territories::bound($p) {
            None => everything(),
            Some(org) => Box::new(in_territory_of!($table, org)) as Filter<schema::$table::table>,
        }
    }};
}

/// The contracts of a territory's facilitator, for conditions on the
/// tables that hang below contracts (placements, hours, proposals...).
fn territory_contracts(
    org: Uuid,
) -> schema::contracts::BoxedQuery<'static, Pg, diesel::sql_types::Uuid> {
    schema::contracts::table
        .filter(in_territory_of!(contracts, org))
        .select(schema::contracts::id)
        .into_boxed()
}

pub mod territories {
    use super::*;

    /// The facilitator organisation whose territory bounds the caller: a
    /// facilitator token that names its organisation. `None`: the caller
    /// is not bound to one territory (a facilitator without `org` works on
    /// all; the other roles keep their own scope across territories).
    pub fn bound(p: &Principal) -> Option<Uuid> {
        match p.role {
            Role::Facilitator => p.org,
            _ => None,
        }
    }

    /// Creating and changing territories: the platform's own team (a
    /// facilitator without `org`).
    pub fn write(p: &Principal) -> ApiResult<()> {
        match (p.role, p.org) {
            (Role::Facilitator, None) => Ok(()),
            (Role::Facilitator, Some(_)) => Err(ApiError::Forbidden(
                "only a facilitator without `org` (the platform's team) creates or \
                 changes territories"
                    .into(),
            )),
            _ => Err(forbidden("create or change territories")),
        }
    }
}

pub mod webhooks {
    use super::*;
    use schema::webhooks as w;

    /// Whose a subscription is: the caller's role and organisation (none
    /// for a facilitator without `org`). Every role with a token may
    /// subscribe; what it is sent is what `/api/v1/changes` gives it.
    pub fn owner(p: &Principal) -> (&'static str, Option<Uuid>) {
        (p.role.as_str(), p.org)
    }

    /// The subscriptions a caller reads and changes: its own only (any
    /// other answers 404).
    pub fn own(p: &Principal) -> Filter<schema::webhooks::table> {
        let (role, org) = owner(p);
        Box::new(
            w::owner_role
                .eq(role)
                .and(w::owner_org.is_not_distinct_from(org)),
        )
    }

    /// The caller a subscription's deliveries are read as: its owner, so
    /// that the feed's rule ([`changes::read`]) is the one applied. `None`
    /// for a role this build does not know.
    pub fn deliver_as(role: &str, org: Option<Uuid>, webhook: Uuid) -> Option<Principal> {
        Some(Principal {
            sub: format!("webhook:{webhook}"),
            role: Role::parse(role)?,
            org,
            request_id: format!("webhook:{webhook}"),
        })
    }
}

pub mod organisations {
    use super::*;

    /// Facilitator, PLIE and State read every organisation; companies,
    /// buyers and the Département read their own.
    pub fn read(p: &Principal) -> Filter<schema::organisations::table> {
        match p.role {
            Role::Facilitator | Role::Plie | Role::State => everything(),
            Role::Company | Role::Buyer | Role::Department => {
                Box::new(schema::organisations::id.eq(p.org_id()))
            }
        }
    }

    /// Only the facilitator creates and edits organisations.
    pub fn write(p: &Principal) -> ApiResult<()> {
        match p.role {
            Role::Facilitator => Ok(()),
            _ => Err(forbidden("create or change organisations")),
        }
    }
}

pub mod contracts {
    use super::*;

    /// Holders read their contracts, buyers theirs; the Département, the
    /// PLIE, the State and the facilitator read all.
    pub fn read(p: &Principal) -> Filter<schema::contracts::table> {
        match p.role {
            Role::Facilitator => facilitator_rows!(p, contracts),
            Role::Plie | Role::State | Role::Department => everything(),
            Role::Company => Box::new(schema::contracts::holder_id.eq(p.org_id())),
            Role::Buyer => Box::new(schema::contracts::buyer_id.eq(p.org_id())),
        }
    }

    /// The contracts a caller may change: the facilitator all, a buyer (or
    /// the Département as a buyer) its own; 403 for the other roles.
    pub fn write(p: &Principal) -> ApiResult<Filter<schema::contracts::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, contracts)),
            Role::Buyer | Role::Department => {
                Ok(Box::new(schema::contracts::buyer_id.eq(p.org_id())))
            }
            _ => Err(forbidden("create or change contracts")),
        }
    }

    /// The buyer of a new contract that names none: a buyer's (or the
    /// Département's) own organisation; the facilitator must say.
    pub fn default_buyer(p: &Principal) -> Option<Uuid> {
        match p.role {
            Role::Buyer | Role::Department => p.org,
            _ => None,
        }
    }

    /// Only the facilitator moves a contract to another holder: the new
    /// holder would read the old one's placements.
    pub fn change_holder(p: &Principal) -> ApiResult<()> {
        facilitator_only(
            p,
            "holder_id",
            "only the facilitator changes a contract's holder",
        )
    }

    /// Only the facilitator confirms an estimated commitment.
    pub fn confirm_commitment(p: &Principal) -> ApiResult<()> {
        facilitator_only(
            p,
            "commitment_source",
            "only the facilitator confirms a commitment",
        )
    }

    /// Who reads a contract's amendments: its parties to the amendment on
    /// the public side, the facilitator and the buyer (the Département
    /// for its own contracts).
    pub fn amendments(p: &Principal) -> ApiResult<Filter<schema::contracts::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, contracts)),
            Role::Buyer | Role::Department => {
                Ok(Box::new(schema::contracts::buyer_id.eq(p.org_id())))
            }
            _ => Err(forbidden("read a contract's amendments")),
        }
    }

    /// Who reads a contract's end-of-contract report: the facilitator,
    /// the buyer and the holder, the Département and the State as they
    /// read contracts.
    pub fn report(p: &Principal) -> ApiResult<Filter<schema::contracts::table>> {
        match p.role {
            Role::Plie => Err(forbidden("read end-of-contract reports")),
            _ => Ok(read(p)),
        }
    }

    /// Only the facilitator issues a report or waives a penalty.
    pub fn facilitate(p: &Principal, what: &str) -> ApiResult<()> {
        match p.role {
            Role::Facilitator => Ok(()),
            _ => Err(forbidden(what)),
        }
    }

    /// The buyer a new contract may name.
    pub fn may_buy_for(p: &Principal, buyer_id: Uuid) -> ApiResult<()> {
        match p.role {
            Role::Facilitator => Ok(()),
            Role::Buyer | Role::Department if p.org == Some(buyer_id) => Ok(()),
            Role::Buyer | Role::Department => Err(forbidden(
                "create contracts for another buyer than your organisation",
            )),
            _ => Err(forbidden("create or change contracts")),
        }
    }
}

/// What of a person a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonView {
    /// The whole record (facilitator, the person's referent).
    Full,
    /// `id`, `last_name`, `first_name` only (an employer, of its employees).
    NameOnly,
}

pub mod beneficiaries {
    use super::*;

    /// People whose referent is this organisation.
    fn followed_by(org: Uuid) -> Filter<schema::beneficiaries::table> {
        Box::new(schema::beneficiaries::referent_id.eq(org).assume_not_null())
    }

    /// The persons a caller may read, and how much of them; 403 for buyers,
    /// the Département and the State, who only ever get aggregates.
    pub fn read(p: &Principal) -> ApiResult<(Filter<schema::beneficiaries::table>, PersonView)> {
        match p.role {
            Role::Facilitator => Ok((facilitator_rows!(p, beneficiaries), PersonView::Full)),
            Role::Plie => Ok((followed_by(p.org_id()), PersonView::Full)),
            Role::Company => Ok((
                Box::new(
                    schema::beneficiaries::id.eq_any(
                        schema::placements::table
                            .filter(schema::placements::employer_id.eq(p.org_id()))
                            .select(schema::placements::beneficiary_id),
                    ),
                ),
                PersonView::NameOnly,
            )),
            Role::Buyer | Role::Department | Role::State => {
                Err(forbidden("read personal data of beneficiaries"))
            }
        }
    }

    /// The persons a caller may register or change: the facilitator all, a
    /// PLIE those it follows.
    pub fn write(p: &Principal) -> ApiResult<Filter<schema::beneficiaries::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, beneficiaries)),
            Role::Plie => Ok(followed_by(p.org_id())),
            _ => Err(forbidden("register or change beneficiaries")),
        }
    }

    /// Whose access trail a caller may read: the facilitator anyone's, a
    /// PLIE the people it follows; 403 for every other role.
    pub fn trail(p: &Principal) -> ApiResult<Filter<schema::beneficiaries::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, beneficiaries)),
            Role::Plie => Ok(followed_by(p.org_id())),
            _ => Err(forbidden("read the access trail of a person")),
        }
    }

    /// `other_validated` (and its reason) is the facilitator's judgement
    /// (DOMAIN.md): a referent proposes the other codes.
    pub fn validate_other(p: &Principal) -> ApiResult<()> {
        facilitator_only(
            p,
            "eligibility",
            "only the facilitator validates `other_validated` and its reason",
        )
    }

    /// Only the facilitator erases a person (a territory's facilitator
    /// its territory's people).
    pub fn erase(p: &Principal) -> ApiResult<Filter<schema::beneficiaries::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, beneficiaries)),
            _ => Err(forbidden("erase a person")),
        }
    }

    /// Only the facilitator exports everything held on a person (a
    /// territory's facilitator its territory's people).
    pub fn export(p: &Principal) -> ApiResult<Filter<schema::beneficiaries::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, beneficiaries)),
            _ => Err(forbidden("export a person's data")),
        }
    }

    /// The referent a new or changed record may name: a PLIE registers
    /// people it follows itself.
    pub fn referent_for(p: &Principal, asked: Option<Option<Uuid>>) -> ApiResult<Option<Uuid>> {
        match p.role {
            Role::Plie => match asked {
                None => Ok(p.org),
                Some(r) if r == p.org => Ok(p.org),
                Some(_) => Err(forbidden("name another referent than your organisation")),
            },
            _ => Ok(asked.flatten()),
        }
    }
}

/// What of a placement a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementView {
    Full,
    /// A buyer's view: no field about the person.
    ForBuyer,
}

pub mod placements {
    use super::*;

    fn of_referent(org: Uuid) -> Filter<schema::placements::table> {
        Box::new(
            schema::placements::beneficiary_id.eq_any(
                schema::beneficiaries::table
                    .filter(schema::beneficiaries::referent_id.eq(org))
                    .select(schema::beneficiaries::id),
            ),
        )
    }

    fn employer_or_holder(org: Uuid) -> Filter<schema::placements::table> {
        Box::new(employs_or_holds!(placements, org))
    }

    /// A facilitator's placements: all, or those of its territory's
    /// contracts.
    fn facilitated(territory: Option<Uuid>) -> Filter<schema::placements::table> {
        match territory {
            None => everything(),
            Some(org) => Box::new(in_territory_of!(placements, org)),
        }
    }

    pub fn read(p: &Principal) -> ApiResult<(Filter<schema::placements::table>, PlacementView)> {
        match p.role {
            Role::Facilitator => Ok((facilitated(territories::bound(p)), PlacementView::Full)),
            Role::Plie => Ok((of_referent(p.org_id()), PlacementView::Full)),
            Role::Company => Ok((employer_or_holder(p.org_id()), PlacementView::Full)),
            // The Département reads placements of its own contracts only.
            Role::Buyer | Role::Department => Ok((
                Box::new(
                    schema::placements::contract_id.eq_any(
                        schema::contracts::table
                            .filter(schema::contracts::buyer_id.eq(p.org_id()))
                            .select(schema::contracts::id),
                    ),
                ),
                PlacementView::ForBuyer,
            )),
            Role::State => Err(forbidden("read placements")),
        }
    }

    /// Placements a caller may change: facilitator all, a company where it
    /// employs or holds the contract.
    pub fn write(p: &Principal) -> ApiResult<Filter<schema::placements::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitated(territories::bound(p))),
            Role::Company => Ok(employer_or_holder(p.org_id())),
            _ => Err(forbidden("create or change placements")),
        }
    }

    /// A proposal that still opens a company's door to a person: one
    /// withdrawn or declined no longer does.
    const LIVE_PROPOSALS: [&str; 3] = ["proposed", "interview", "hired"];

    /// Leave to create placements, granted once per request by [`place`];
    /// the model that creates one takes it instead of asking again.
    #[derive(Debug, Clone, Copy)]
    pub struct Placing {
        /// The company placing; `None` for the facilitator, who places anyone.
        company: Option<Uuid>,
        /// A territory's facilitator: its people on its contracts.
        territory: Option<Uuid>,
        /// A hire from a proposal: that person on that contract only.
        hire: Option<(Uuid, Uuid)>,
    }

    /// Who may create placements: the facilitator, or a company.
    pub fn place(p: &Principal) -> ApiResult<Placing> {
        match p.role {
            Role::Facilitator => Ok(Placing {
                company: None,
                territory: territories::bound(p),
                hire: None,
            }),
            Role::Company => Ok(Placing {
                company: Some(p.org_id()),
                territory: None,
                hire: None,
            }),
            _ => Err(forbidden("create placements")),
        }
    }

    /// Leave to place the person of a proposal being hired on the offer's
    /// contract: granted with the transition, which checked who may hire.
    pub fn hire(contract: Uuid, person: Uuid) -> Placing {
        Placing {
            company: None,
            territory: None,
            hire: Some((contract, person)),
        }
    }

    impl Placing {
        /// The people it may place: the facilitator anyone, a company the
        /// people it employs or employed and those proposed on its offers
        /// (as employer or holder). Anyone else reads as an id that does
        /// not exist, so a company cannot learn of a stranger (nor, by the
        /// age rule, their birth date).
        pub fn people(&self) -> Filter<schema::beneficiaries::table> {
            if let Some((_, person)) = self.hire {
                return Box::new(schema::beneficiaries::id.eq(person));
            }
            match self.company {
                None => match self.territory {
                    None => everything(),
                    Some(org) => Box::new(in_territory_of!(beneficiaries, org)),
                },
                Some(org) => {
                    let its_offers = super::offers::of_company(org);
                    Box::new(
                        schema::beneficiaries::id
                            .eq_any(
                                schema::placements::table
                                    .filter(schema::placements::employer_id.eq(org))
                                    .select(schema::placements::beneficiary_id),
                            )
                            .or(schema::beneficiaries::id.eq_any(
                                schema::proposals::table
                                    .filter(schema::proposals::offer_id.eq_any(its_offers))
                                    .filter(schema::proposals::status.eq_any(LIVE_PROPOSALS))
                                    .select(schema::proposals::beneficiary_id),
                            )),
                    )
                }
            }
        }

        /// The employers it may name on `contract`: the facilitator any
        /// company, a company itself or an employer the facilitator has
        /// already tied to that contract (by a placement or an offer on
        /// it), so that no company hands a person's name to a stranger.
        pub fn employers(&self, contract: Uuid) -> Filter<schema::organisations::table> {
            match (self.company, self.hire) {
                (Some(org), None) => Box::new(
                    schema::organisations::id
                        .eq(org)
                        .or(schema::organisations::id.eq_any(
                            schema::placements::table
                                .filter(schema::placements::contract_id.eq(contract))
                                .select(schema::placements::employer_id),
                        ))
                        .or(schema::organisations::id.eq_any(
                            schema::offers::table
                                .filter(schema::offers::contract_id.eq(contract))
                                .select(schema::offers::employer_id),
                        )),
                ),
                _ => everything(),
            }
        }

        /// Whether [`Placing::employers`] limits the employers it names.
        pub fn names_employers(&self) -> bool {
            self.company.is_some() && self.hire.is_none()
        }

        /// The contracts it may place people on: the facilitator any, a
        /// company those it holds.
        pub fn contracts(&self) -> Filter<schema::contracts::table> {
            if let Some((contract, _)) = self.hire {
                return Box::new(schema::contracts::id.eq(contract));
            }
            match self.company {
                None => match self.territory {
                    None => everything(),
                    Some(org) => Box::new(in_territory_of!(contracts, org)),
                },
                Some(org) => Box::new(schema::contracts::holder_id.eq(org)),
            }
        }
    }

    /// Only the facilitator moves a placement to another employer: the new
    /// one would read the person's name.
    pub fn change_employer(p: &Principal) -> ApiResult<()> {
        facilitator_only(
            p,
            "employer_id",
            "only the facilitator changes a placement's employer",
        )
    }

    /// Monthly hours: read where the placement is readable, except for
    /// buyers and the Département (per-contract totals only) and the State.
    pub fn read_hours(p: &Principal) -> ApiResult<Filter<schema::placements::table>> {
        Ok(hours_scope(p)?.placements().unwrap_or_else(everything))
    }

    /// What became of a person after a placement: the facilitator for
    /// anyone, a PLIE for the people it follows (others' placements are not
    /// found); 403 for every other role, a situation being a person's
    /// attribute.
    pub fn outcomes(p: &Principal) -> ApiResult<Filter<schema::placements::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitated(territories::bound(p))),
            Role::Plie => Ok(of_referent(p.org_id())),
            _ => Err(forbidden("read or record what became of a person")),
        }
    }

    /// Whose months a caller may read, as data: the rule of [`read_hours`],
    /// which the typed queries apply as a filter and the SQL of the months
    /// owed as a condition ([`HoursScope::sql`]).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum HoursScope {
        /// The facilitator: every placement.
        All,
        /// A territory's facilitator (its organisation): the placements of
        /// its territory's contracts.
        Territory(Uuid),
        /// A company: the placements it employs on or whose contract it holds.
        EmployerOrHolder(Uuid),
        /// A PLIE: the placements of the people it follows.
        Referent(Uuid),
    }

    pub fn hours_scope(p: &Principal) -> ApiResult<HoursScope> {
        match p.role {
            Role::Facilitator => Ok(match territories::bound(p) {
                None => HoursScope::All,
                Some(org) => HoursScope::Territory(org),
            }),
            Role::Plie => Ok(HoursScope::Referent(p.org_id())),
            Role::Company => Ok(HoursScope::EmployerOrHolder(p.org_id())),
            _ => Err(forbidden(
                "read monthly hours (see the contract's fulfilment)",
            )),
        }
    }

    impl HoursScope {
        /// The placements in scope; `None` for all of them (no condition,
        /// so the planner is free to walk an index in the list's order).
        pub fn placements(self) -> Option<Filter<schema::placements::table>> {
            match self {
                HoursScope::All => None,
                HoursScope::Territory(org) => Some(facilitated(Some(org))),
                HoursScope::EmployerOrHolder(org) => Some(employer_or_holder(org)),
                HoursScope::Referent(org) => Some(of_referent(org)),
            }
        }

        /// The same rule as an SQL condition on the table `placements`
        /// (unaliased), the organisation bound as parameter `$n` (`None`:
        /// nothing to bind): the text of [`HoursScope::placements`]'s
        /// filter, so the rule is written once.
        pub fn sql(self, n: usize) -> (String, Option<Uuid>) {
            let org = match self {
                HoursScope::All => return ("TRUE".into(), None),
                HoursScope::Territory(org)
                | HoursScope::EmployerOrHolder(org)
                | HoursScope::Referent(org) => org,
            };
            let filter = self.placements().unwrap_or_else(everything);
            // Each of the filter's binds is the organisation, all `$n`,
            // but the `LIMIT 1` of a scalar sub-select (`single_value`).
            (super::sql_text(&*filter, &format!("${n}")), Some(org))
        }
    }

    /// Leave to declare hours, granted once per request by
    /// [`declare_hours`]; the models that declare take it instead of asking
    /// again.
    #[derive(Debug, Clone, Copy)]
    pub struct Declaring {
        /// The company declaring; `None` for the facilitator.
        company: Option<Uuid>,
        /// A territory's facilitator: its territory's placements.
        territory: Option<Uuid>,
    }

    /// Declaring hours: the facilitator (validated at once) or a company
    /// that employs or holds (declared, to be validated).
    pub fn declare_hours(p: &Principal) -> ApiResult<Declaring> {
        match p.role {
            Role::Facilitator => Ok(Declaring {
                company: None,
                territory: territories::bound(p),
            }),
            Role::Company => Ok(Declaring {
                company: Some(p.org_id()),
                territory: None,
            }),
            _ => Err(forbidden("declare hours")),
        }
    }

    impl Declaring {
        /// Who declares, to the hours judge.
        pub fn declarer(&self) -> crate::domain::hours::Declarer {
            match self.company {
                None => crate::domain::hours::Declarer::Facilitator,
                Some(_) => crate::domain::hours::Declarer::Company,
            }
        }

        /// The placements it may declare months of.
        pub fn placements(&self) -> Filter<schema::placements::table> {
            match self.company {
                None => facilitated(self.territory),
                Some(org) => employer_or_holder(org),
            }
        }

        /// The facilitator's figures are validated at once; a company's
        /// wait for validation and never replace a validated month.
        pub fn validates(&self) -> bool {
            self.company.is_none()
        }
    }

    /// Leave to validate or reject months, granted by [`decide_hours`];
    /// the models that decide take it instead of asking again, and read
    /// the placements it opens.
    #[derive(Debug, Clone, Copy)]
    pub struct Deciding {
        /// A territory's facilitator: its territory's placements.
        territory: Option<Uuid>,
    }

    /// Only the facilitator validates or rejects a month.
    pub fn decide_hours(p: &Principal) -> ApiResult<Deciding> {
        match p.role {
            Role::Facilitator => Ok(Deciding {
                territory: territories::bound(p),
            }),
            _ => Err(forbidden("validate or reject hours")),
        }
    }

    impl Deciding {
        /// The placements whose months it decides: the facilitator's.
        pub fn placements(&self) -> Filter<schema::placements::table> {
            facilitated(self.territory)
        }
    }
}

pub mod changes {
    use super::*;
    use schema::changes as ch;

    fn people_followed_by(org: Uuid) -> Filter<schema::changes::table> {
        Box::new(
            ch::beneficiary_id
                .eq_any(
                    schema::beneficiaries::table
                        .filter(schema::beneficiaries::referent_id.eq(org))
                        .select(schema::beneficiaries::id.nullable()),
                )
                .assume_not_null(),
        )
    }

    fn contracts_held_by(org: Uuid) -> Filter<schema::changes::table> {
        Box::new(
            ch::contract_id
                .eq_any(
                    schema::contracts::table
                        .filter(schema::contracts::holder_id.eq(org))
                        .select(schema::contracts::id.nullable()),
                )
                .assume_not_null(),
        )
    }

    fn contracts_bought_by(org: Uuid) -> Filter<schema::changes::table> {
        Box::new(
            ch::contract_id
                .eq_any(
                    schema::contracts::table
                        .filter(schema::contracts::buyer_id.eq(org))
                        .select(schema::contracts::id.nullable()),
                )
                .assume_not_null(),
        )
    }

    /// A territory's changes: what hangs on its contracts, its people, its
    /// operations (the ids the trigger recorded with each change).
    fn in_territory(org: Uuid) -> Filter<schema::changes::table> {
        Box::new(
            ch::contract_id
                .eq_any(territory_contracts(org).select(schema::contracts::id.nullable()))
                .assume_not_null()
                .or(ch::entity.eq("beneficiary").and(
                    ch::entity_id.eq_any(
                        schema::beneficiaries::table
                            .filter(in_territory_of!(beneficiaries, org))
                            .select(schema::beneficiaries::id),
                    ),
                ))
                .or(ch::entity.eq("operation").and(
                    ch::entity_id.eq_any(
                        schema::operations::table
                            .filter(in_territory_of!(operations, org))
                            .select(schema::operations::id),
                    ),
                )),
        )
    }

    /// The feed carries, for each caller, the changes to what the caller
    /// may read: the same matrix as the resources themselves.
    pub fn read(p: &Principal) -> Filter<schema::changes::table> {
        let org = p.org_id();
        let entity = |e: &'static str| ch::entity.eq(e);
        match p.role {
            Role::Facilitator => match territories::bound(p) {
                None => everything(),
                Some(org) => in_territory(org),
            },
            // Its people's changes (their proposals included) and every offer.
            Role::Plie => Box::new(
                entity("contract")
                    .or(entity("order"))
                    .or(entity("operation"))
                    .or(entity("offer"))
                    .or(people_followed_by(org)),
            ),
            Role::Company => {
                let held = contracts_held_by(org);
                // Placements it employs on or holds the contract of.
                let placements = Box::new(
                    ch::placement_id
                        .eq_any(
                            schema::placements::table
                                .filter(employs_or_holds!(placements, org))
                                .select(schema::placements::id.nullable()),
                        )
                        .assume_not_null(),
                );
                let employees = Box::new(
                    ch::beneficiary_id
                        .eq_any(
                            schema::placements::table
                                .filter(schema::placements::employer_id.eq(org))
                                .select(schema::placements::beneficiary_id.nullable()),
                        )
                        .assume_not_null(),
                );
                let org = p.org_id();
                // Offers it employs for, and the proposals on them, beside
                // those of the contracts it holds.
                let its_offers = Box::new(
                    ch::entity.eq_any(["offer", "proposal"]).and(
                        contracts_held_by(org)
                            .or(ch::entity_id.eq_any(
                                schema::offers::table
                                    .filter(schema::offers::employer_id.eq(org))
                                    .select(schema::offers::id),
                            ))
                            .or(ch::entity_id.eq_any(
                                schema::proposals::table
                                    .filter(
                                        schema::proposals::offer_id.eq_any(
                                            schema::offers::table
                                                .filter(schema::offers::employer_id.eq(org))
                                                .select(schema::offers::id),
                                        ),
                                    )
                                    .select(schema::proposals::id),
                            )),
                    ),
                );
                Box::new(
                    ch::entity
                        .eq_any(["contract", "order", "report"])
                        .and(held)
                        .or(ch::entity.eq_any(["placement", "hours"]).and(placements))
                        .or(entity("beneficiary").and(employees))
                        .or(entity("operation"))
                        .or(its_offers),
                )
            }
            Role::Buyer => Box::new(
                ch::entity
                    .eq_any([
                        "contract",
                        "placement",
                        "offer",
                        "order",
                        "amendment",
                        "report",
                    ])
                    .and(contracts_bought_by(org))
                    .or(entity("operation")),
            ),
            Role::Department => Box::new(
                ch::entity
                    .eq_any(["contract", "order", "report"])
                    .or(entity("operation"))
                    .or(entity("offer"))
                    .or(ch::entity
                        .eq_any(["placement", "amendment"])
                        .and(contracts_bought_by(org))),
            ),
            Role::State => Box::new(
                ch::entity
                    .eq_any(["contract", "order", "report"])
                    .or(entity("operation"))
                    .or(entity("offer")),
            ),
        }
    }
}

pub mod operations {
    use super::*;

    /// Every role reads every operation: a programme's name, dates and
    /// target are public facts; a territory's facilitator reads its
    /// territory's. Their figures go through `stats::scope`.
    pub fn read(p: &Principal) -> Filter<schema::operations::table> {
        match p.role {
            Role::Facilitator => facilitator_rows!(p, operations),
            _ => everything(),
        }
    }

    /// Only the facilitator creates and edits operations (a territory's
    /// facilitator its territory's).
    pub fn write(p: &Principal) -> ApiResult<Filter<schema::operations::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, operations)),
            _ => Err(forbidden("create or change operations")),
        }
    }
}

pub mod offers {
    use super::*;
    use schema::offers as of;

    fn held(org: Uuid) -> Box<dyn BoxableExpression<of::table, Pg, SqlType = Bool>> {
        Box::new(employs_or_holds!(offers, org))
    }

    /// The ids of a company's offers (it employs for them, or holds their
    /// contract), for conditions on other tables.
    pub fn of_company(org: Uuid) -> of::BoxedQuery<'static, Pg, diesel::sql_types::Uuid> {
        of::table.filter(held(org)).select(of::id).into_boxed()
    }

    /// Every role reads the offers of the contracts it may see (a company
    /// also those it is the employer of); the facilitator and every PLIE,
    /// who propose people, read all.
    pub fn read(p: &Principal) -> Filter<of::table> {
        match p.role {
            Role::Facilitator => facilitator_rows!(p, offers),
            Role::Plie | Role::State | Role::Department => everything(),
            Role::Company => held(p.org_id()),
            Role::Buyer => Box::new(
                of::contract_id.eq_any(
                    schema::contracts::table
                        .filter(schema::contracts::buyer_id.eq(p.org_id()))
                        .select(schema::contracts::id),
                ),
            ),
        }
    }

    /// Offers a caller may change: the facilitator all, a company those of
    /// the contracts it holds or that it is the employer of; 403 otherwise.
    pub fn write(p: &Principal) -> ApiResult<Filter<of::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, offers)),
            Role::Company => Ok(held(p.org_id())),
            _ => Err(forbidden("create or change offers")),
        }
    }

    /// The contracts a caller may publish an offer on: the facilitator
    /// any, a company those it holds.
    pub fn on_contracts(p: &Principal) -> ApiResult<Filter<schema::contracts::table>> {
        match p.role {
            Role::Facilitator => Ok(facilitator_rows!(p, contracts)),
            Role::Company => Ok(Box::new(schema::contracts::holder_id.eq(p.org_id()))),
            _ => Err(forbidden("create or change offers")),
        }
    }

    /// Only the facilitator and the contract's holder choose an offer's
    /// employer: an employer-only company handing the offer on would hand
    /// the proposed people's names to a company of its choosing.
    pub fn change_employer(p: &Principal, contract_holder: Uuid) -> ApiResult<()> {
        match p.role {
            Role::Facilitator => Ok(()),
            Role::Company if p.org == Some(contract_holder) => Ok(()),
            _ => Err(ApiError::forbidden_field(
                "employer_id",
                "only the facilitator and the contract's holder set an offer's employer",
            )),
        }
    }

    /// Leave to propose people, granted by [`propose`].
    #[derive(Debug, Clone, Copy)]
    pub struct Proposing {
        /// The PLIE proposing; `None` for the facilitator, who proposes anyone.
        plie: Option<Uuid>,
        /// A territory's facilitator: its territory's people.
        territory: Option<Uuid>,
    }

    /// The facilitator proposes anyone, a PLIE the people it follows.
    pub fn propose(p: &Principal) -> ApiResult<Proposing> {
        match p.role {
            Role::Facilitator => Ok(Proposing {
                plie: None,
                territory: territories::bound(p),
            }),
            Role::Plie => Ok(Proposing {
                plie: Some(p.org_id()),
                territory: None,
            }),
            _ => Err(forbidden("propose people")),
        }
    }

    impl Proposing {
        /// The people it may propose; anyone else reads as an unknown id.
        pub fn people(&self) -> Filter<schema::beneficiaries::table> {
            match (self.plie, self.territory) {
                (None, None) => everything(),
                (None, Some(org)) => Box::new(in_territory_of!(beneficiaries, org)),
                (Some(org), _) => {
                    Box::new(schema::beneficiaries::referent_id.is_not_distinct_from(org))
                }
            }
        }
    }

    /// Proposals a caller reads: the facilitator all; a PLIE those of the
    /// people it follows and those it made; a company those on offers it
    /// employs for or whose contract it holds; 403 for buyers, the
    /// Département and the State.
    pub fn read_proposals(p: &Principal) -> ApiResult<Filter<schema::proposals::table>> {
        use schema::proposals as pr;
        match p.role {
            Role::Facilitator => match territories::bound(p) {
                None => Ok(everything()),
                Some(org) => Ok(Box::new(
                    pr::offer_id.eq_any(
                        of::table
                            .filter(in_territory_of!(offers, org))
                            .select(of::id),
                    ),
                )),
            },
            Role::Plie => Ok(Box::new(
                pr::proposer_org
                    .is_not_distinct_from(p.org_id())
                    .or(pr::beneficiary_id.eq_any(
                        schema::beneficiaries::table
                            .filter(schema::beneficiaries::referent_id.eq(p.org_id()))
                            .select(schema::beneficiaries::id),
                    )),
            )),
            Role::Company => Ok(Box::new(pr::offer_id.eq_any(of_company(p.org_id())))),
            Role::Buyer | Role::Department | Role::State => Err(forbidden("read proposals")),
        }
    }

    /// A company reads a proposed person's first and last name only.
    pub fn names_only(p: &Principal) -> bool {
        p.role == Role::Company
    }

    /// Who the caller is to a proposal, for its transitions.
    pub fn actor(
        p: &Principal,
        offer_employer: Uuid,
        contract_holder: Uuid,
        proposer_role: &str,
        proposer_org: Option<Uuid>,
    ) -> crate::domain::offer::Actor {
        crate::domain::offer::Actor {
            facilitator: p.role == Role::Facilitator,
            employer: p.role == Role::Company
                && (p.org == Some(offer_employer) || p.org == Some(contract_holder)),
            proposer: p.role.as_str() == proposer_role && p.org.is_some() && p.org == proposer_org,
        }
    }
}

pub mod imports {
    use super::*;

    /// Published contract data: the facilitator imports any buyer's, a
    /// buyer (or the Département) only its own, matched on its SIRET.
    /// Returns the only buyer the caller may import for, if any.
    pub fn decp(p: &Principal) -> ApiResult<Option<Uuid>> {
        match p.role {
            Role::Facilitator => Ok(None),
            Role::Buyer | Role::Department => Ok(Some(p.org_id())),
            _ => Err(forbidden("import published contract data")),
        }
    }

    /// A territory's history (its people and their hours among it): the
    /// facilitator's alone.
    pub fn history(p: &Principal) -> ApiResult<()> {
        match p.role {
            Role::Facilitator => Ok(()),
            _ => Err(forbidden("import a territory's history")),
        }
    }
}

/// Whose contracts a caller's figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractScope {
    All,
    /// A territory's facilitator (its organisation): its territory's
    /// contracts.
    Territory(Uuid),
    /// The Département (its organisation): the contracts it buys and those
    /// of the territories it oversees (`department_id`, or none named).
    Department(Uuid),
    HeldBy(Uuid),
    BoughtBy(Uuid),
}

/// The territories a Département oversees, as the SQL text of a select
/// of their ids with its organisation as the named parameter `:param`:
/// the text of the sub-select of [`ContractScope::Department`], for the
/// figures' hand-written statements, so the rule is written once.
pub fn overseen_territories_sql(param: &str) -> String {
    sql_text(&overseen_by!(Uuid::nil()), &format!(":{param}"))
}

/// The territory of a facilitator organisation, as the SQL text of a
/// scalar sub-select with the organisation as `param` (`:name` or `$n`):
/// the text of [`in_territory_of!`]'s, for hand-written statements.
pub fn territory_of_sql(param: &str) -> String {
    sql_text(&territory_of!(Uuid::nil()), param)
}

/// The SQL text of `query`, each bind (all the same organisation) written
/// `param`.
fn sql_text(query: &dyn diesel::query_builder::QueryFragment<Pg>, param: &str) -> String {
    let mut out = <Pg as diesel::backend::Backend>::QueryBuilder::default();
    // Building the text of columns and binds cannot fail.
    let _ = query.to_sql(&mut out, &Pg);
    renumber(
        &diesel::query_builder::QueryBuilder::<Pg>::finish(out),
        param,
    )
}

/// `$1`, `$2`... of `text` all become `with`, but `LIMIT $k`, which
/// becomes `LIMIT 1` (diesel's `single_value` binds its limit, 1).
fn renumber(text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                chars.next();
            }
            if out.ends_with("LIMIT ") {
                out.push('1');
            } else {
                out.push_str(with);
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl ContractScope {
    /// The rule as a condition on `contracts`.
    pub fn contracts(self) -> Filter<schema::contracts::table> {
        use schema::contracts as c;
        match self {
            ContractScope::All => everything(),
            ContractScope::Territory(org) => Box::new(in_territory_of!(contracts, org)),
            ContractScope::Department(org) => Box::new(
                c::buyer_id
                    .eq(org)
                    .or(c::territory_id.eq_any(overseen_by!(org))),
            ),
            ContractScope::HeldBy(org) => Box::new(c::holder_id.eq(org)),
            ContractScope::BoughtBy(org) => Box::new(c::buyer_id.eq(org)),
        }
    }
}

pub mod stats {
    use super::*;

    /// Companies and buyers get their own contracts only, whatever filter
    /// they pass; the Département, the State, the PLIE and the facilitator
    /// the whole territory. Only aggregates ever come out.
    pub fn scope(p: &Principal) -> ContractScope {
        match p.role {
            Role::Facilitator => match territories::bound(p) {
                None => ContractScope::All,
                Some(org) => ContractScope::Territory(org),
            },
            Role::Plie | Role::State => ContractScope::All,
            Role::Department => ContractScope::Department(p.org_id()),
            Role::Company => ContractScope::HeldBy(p.org_id()),
            Role::Buyer => ContractScope::BoughtBy(p.org_id()),
        }
    }

    /// How exactly a caller reads counts of people (API.md, "Disclosure
    /// control"): the facilitator exactly, a company nothing of its
    /// people's attributes, everyone else with small counts masked.
    /// A PLIE reads exactly the figures of its own people (`referent_id`
    /// its organisation); over anyone else's, masked.
    pub fn audience(p: &Principal, referent_id: Option<Uuid>) -> Audience {
        match p.role {
            Role::Facilitator => Audience::Exact,
            Role::Plie if referent_id.is_some() && referent_id == p.org => Audience::Exact,
            Role::Company => Audience::Company,
            Role::Plie | Role::Buyer | Role::Department | Role::State => Audience::Masked,
        }
    }

    /// `referent_id` narrows figures to one PLIE's people: read with and
    /// without it, it would difference that PLIE's people out of the
    /// figures. So only the facilitator, and a PLIE naming itself, filter
    /// by it; anyone else gets 403 on the parameter.
    pub fn referent_filter(p: &Principal, referent_id: Option<Uuid>) -> ApiResult<()> {
        match (p.role, referent_id) {
            (_, None) | (Role::Facilitator, _) => Ok(()),
            (Role::Plie, Some(r)) if p.org == Some(r) => Ok(()),
            _ => Err(ApiError::forbidden_field(
                "referent_id",
                "only the facilitator, and a PLIE naming itself, filter figures by referent",
            )),
        }
    }

    /// Figures about people's attributes (breakdowns by sex, age, level,
    /// eligibility, QPV): not for a company, which knows its people by name.
    pub fn person_attributes(p: &Principal) -> ApiResult<()> {
        match p.role {
            Role::Company => Err(ApiError::Forbidden(
                "a company reads no figure about its people's attributes: \
                 break down by modality, contract, operation or month"
                    .into(),
            )),
            _ => Ok(()),
        }
    }

    /// Whose European Social Fund report a caller may read: the
    /// facilitator anyone's (`None`: every person), a PLIE its own people's
    /// only (another organisation's report is not found); 403 for the other
    /// roles.
    pub fn esf(p: &Principal, referent_id: Option<Uuid>) -> ApiResult<Option<Uuid>> {
        match p.role {
            Role::Facilitator => Ok(referent_id),
            Role::Plie => match referent_id {
                None => Ok(p.org),
                Some(r) if Some(r) == p.org => Ok(p.org),
                Some(_) => Err(ApiError::NotFound(
                    "no report of this referent is visible to you".into(),
                )),
            },
            _ => Err(ApiError::Forbidden(
                "your role may not read the European Social Fund report".into(),
            )),
        }
    }

    /// Only the facilitator publishes figures to the public: the whole
    /// deployment's when its scope covers it, else its territory's.
    /// Returns that scope, for the publication to widen.
    pub fn publish(p: &Principal) -> ApiResult<ContractScope> {
        match p.role {
            Role::Facilitator => Ok(scope(p)),
            _ => Err(forbidden("publish figures")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overseen_territories_text_names_the_departement_only() {
        let sql = overseen_territories_sql("department");
        assert!(!sql.contains('$'), "{sql}");
        assert_eq!(sql.matches(":department").count(), 1, "{sql}");
        assert!(sql.contains("IS NULL"), "{sql}");
        assert!(sql.starts_with("SELECT"), "{sql}");
        let sql = territory_of_sql("$4");
        assert!(sql.contains(" LIMIT 1"), "{sql}");
        assert_eq!(sql.matches("$4").count(), 1, "{sql}");
        assert!(sql.starts_with("(SELECT"), "{sql}");
        assert_eq!(
            renumber("a = $1 OR b = (SELECT x LIMIT $2)", "$7"),
            "a = $7 OR b = (SELECT x LIMIT 1)"
        );
    }

    fn p(role: Role) -> Principal {
        Principal {
            sub: "t".into(),
            role,
            org: Some(Uuid::from_u128(7)),
            request_id: "r".into(),
        }
    }

    #[test]
    fn forbidden_roles() {
        assert!(organisations::write(&p(Role::Facilitator)).is_ok());
        for r in [
            Role::Plie,
            Role::Company,
            Role::Buyer,
            Role::Department,
            Role::State,
        ] {
            assert!(matches!(
                organisations::write(&p(r)),
                Err(ApiError::Forbidden(_))
            ));
        }
        for r in [Role::Plie, Role::Company, Role::State] {
            assert!(contracts::write(&p(r)).is_err());
        }
        for r in [Role::Buyer, Role::Department, Role::State] {
            assert!(beneficiaries::read(&p(r)).is_err());
        }
        assert!(placements::read(&p(Role::State)).is_err());
        for r in [Role::Buyer, Role::Department, Role::State] {
            assert!(placements::read_hours(&p(r)).is_err());
        }
        for r in [
            Role::Plie,
            Role::Company,
            Role::Buyer,
            Role::Department,
            Role::State,
        ] {
            assert!(placements::decide_hours(&p(r)).is_err());
        }
    }

    #[test]
    fn plie_registers_people_it_follows() {
        let plie = p(Role::Plie);
        assert_eq!(beneficiaries::referent_for(&plie, None).unwrap(), plie.org);
        assert!(beneficiaries::referent_for(&plie, Some(Some(Uuid::nil()))).is_err());
        let fac = Principal {
            org: None,
            ..p(Role::Facilitator)
        };
        assert_eq!(
            beneficiaries::referent_for(&fac, Some(Some(Uuid::nil()))).unwrap(),
            Some(Uuid::nil())
        );
    }

    #[test]
    fn the_hours_scope_as_sql_is_its_filters_text() {
        use placements::HoursScope;
        let org = Uuid::from_u128(7);
        let (text, bound) = HoursScope::EmployerOrHolder(org).sql(7);
        assert_eq!(bound, Some(org));
        assert_eq!(
            text,
            "((\"placements\".\"employer_id\" = $7) OR (\"placements\".\"contract_id\" = ANY(\
             SELECT \"contracts\".\"id\" FROM \"contracts\" WHERE (\"contracts\".\"holder_id\" = $7))))"
        );
        let (text, _) = HoursScope::Referent(org).sql(12);
        assert!(text.contains("\"referent_id\" = $12"), "{text}");
        assert!(!text.contains("$1)"), "{text}");
        assert_eq!(HoursScope::All.sql(3), ("TRUE".into(), None));
    }
}
