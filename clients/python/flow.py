"""The core flow of API.md with a client generated from openapi/openapi.json
by openapi-python-client: organisations, a contract, a person, a placement, a
month declared by the company and validated by the facilitator, the key
figures, the annual report downloaded as a workbook, a paged list, and a 422 read through its typed `errors`. Checked
with `mypy --strict` (no cast, no `Any`, no `type: ignore`), then run against
a test service (clients/check.sh, part of make test).

    BASE_URL=... FACILITATOR_TOKEN=... COMPANY_TOKEN=... COMPANY_ID=... python flow.py
"""

import datetime
import os
import time
import zipfile
from typing import TypeVar
from uuid import UUID

from clauses_client import AuthenticatedClient
from clauses_client.api.beneficiaries import create_beneficiary, get_beneficiary
from clauses_client.api.contracts import create_contract
from clauses_client.api.hours import decide_placement_month, declare_placement_month
from clauses_client.api.organisations import create_organisation
from clauses_client.api.placements import create_placement, list_placements
from clauses_client.api.stats import get_annual_report_xlsx, get_key_figures
from clauses_client.models import (
    Beneficiary,
    ClauseType,
    Contract,
    Decision,
    Eligibility,
    HoursDecision,
    HoursDeclaration,
    KeyFiguresAnswer,
    Modality,
    MonthlyHours,
    NewBeneficiary,
    NewContract,
    NewOrganisation,
    NewPlacement,
    Organisation,
    OrgKind,
    Placement,
    PlacementPage,
    Problem,
    Sex,
)
from clauses_client.types import UNSET, File, Unset

T = TypeVar("T")


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise SystemExit(f"{name} is not set")
    return value


def client(token: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=env("BASE_URL"), token=token)


def ok(step: str, answer: object, kind: type[T]) -> T:
    """The answer of a success, of the type the step expects; anything else
    (a Problem, or nothing) stops the flow with what the service said."""
    if isinstance(answer, kind):
        print(f"{step}: ok")
        return answer
    raise SystemExit(f"{step}: {answer!r}")


facilitator = client(env("FACILITATOR_TOKEN"))
company = client(env("COMPANY_TOKEN"))
company_id = UUID(env("COMPANY_ID"))
run = format(int(time.time() * 1000), "x")

buyer = ok(
    "a buyer",
    create_organisation.sync(
        client=facilitator,
        body=NewOrganisation(kind=OrgKind.BUYER, name=f"Ville de Corbeil-Essonnes {run}"),
    ),
    Organisation,
)

contract = ok(
    "a contract",
    create_contract.sync(
        client=facilitator,
        body=NewContract(
            buyer_id=buyer.id,
            holder_id=company_id,
            reference=f"2019-TX-{run}",
            title="Réhabilitation de 120 logements",
            clause_type=ClauseType.EXECUTION_CONDITION,
            start_date=datetime.date(2019, 1, 1),
            end_date=datetime.date(2020, 12, 31),
            amount_excl_tax=1_000_000,
            labour_share=0.4,
            insertion_rate=0.05,
            hourly_cost=25,
        ),
    ),
    Contract,
)
print(f"  commitment {contract.commitment_hours} h ({contract.commitment_source.value})")

person = ok(
    "a person",
    create_beneficiary.sync(
        client=facilitator,
        body=NewBeneficiary(
            last_name="Diallo",
            first_name="Awa",
            sex=Sex.F,
            birth_date=datetime.date(1999, 5, 1),
            postal_code="91100",
            eligibility=[Eligibility.RSA, Eligibility.LONG_TERM_UNEMPLOYED],
        ),
    ),
    Beneficiary,
)

# A read of a person is a live record, an erased one or the name only. The
# generator does not check `erased` (a constant in the document): it parses
# the first shape that fits, so test `erased` before trusting the names.
view = get_beneficiary.sync(person.id, client=facilitator)
if not isinstance(view, Beneficiary) or view.erased:
    raise SystemExit(f"a person just registered reads as {view!r}")
print(f"the person read back: {view.first_name} {view.last_name.upper()}, born {view.birth_date}")

# The facilitator places the person (a company places only people it
# employs or employed already).
placement = ok(
    "a placement",
    create_placement.sync(
        client=facilitator,
        body=NewPlacement(
            beneficiary_id=person.id,
            contract_id=contract.id,
            employer_id=company_id,
            modality=Modality.DIRECT_FIXED_TERM,
            job_title="Maçon",
            start_date=datetime.date(2019, 3, 4),
            end_date=datetime.date(2019, 8, 30),
        ),
    ),
    Placement,
)

month = "2019-05"
declared = ok(
    "the company declares May",
    declare_placement_month.sync(
        placement.id, month, client=company, body=HoursDeclaration(worked_hours=151.67)
    ),
    MonthlyHours,
)
print(f"  {declared.worked_hours} h, {declared.status.value}")

validated = ok(
    "the facilitator validates it",
    decide_placement_month.sync(
        placement.id, month, client=facilitator, body=HoursDecision(decision=Decision.VALIDATED)
    ),
    MonthlyHours,
)
if validated.status.value != "validated":
    raise SystemExit(f"the month reads {validated.status.value}")

figures = ok(
    "the key figures of 2019",
    get_key_figures.sync(client=facilitator, year=2019),
    KeyFiguresAnswer,
)
# Counts of people may be masked: a number, "< 5", "≥ 5", or None.
women = figures.women
women_text = "not given" if women is None else str(women if isinstance(women, int) else women.value)
print(f"  {figures.hours} h, {figures.participants} people, women: {women_text}")

# The annual report as a file: the workbook has its own path and comes back
# as bytes (a File), never decoded as text. An XLSX is a zip: it must open and
# hold a workbook.
workbook = ok(
    "the annual report of 2019 as a workbook",
    get_annual_report_xlsx.sync(client=facilitator, year=2019),
    File,
)
with zipfile.ZipFile(workbook.payload) as book:
    names = book.namelist()
    if "xl/workbook.xml" not in names or book.testzip() is not None:
        raise SystemExit(f"the workbook holds {names}")
    sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
print(f"  {len(sheets)} sheets")

# A paged list: follow `next_cursor` until it is None.
cursor: str | Unset = UNSET
seen = 0
while True:
    page = ok(
        "a page of placements",
        list_placements.sync(client=facilitator, limit=1, cursor=cursor),
        PlacementPage,
    )
    seen += sum(1 for item in page.items if isinstance(item, Placement))
    if page.next_cursor is None:
        break
    cursor = page.next_cursor
print(f"  {seen} placement(s) seen, page by page")

# A 422: every field at fault, typed.
refused = create_beneficiary.sync(
    client=facilitator,
    body=NewBeneficiary(
        last_name="Martin",
        first_name="Léo",
        sex=Sex.M,
        birth_date=datetime.date(2030, 1, 1),
        postal_code="9110",
        eligibility=[Eligibility.RSA],
    ),
)
if not isinstance(refused, Problem) or refused.status != 422:
    raise SystemExit(f"a person born in 2030 answered {refused!r}")
fields = sorted(e.field for e in refused.errors)
print(f"a refused person: 422 on {', '.join(fields)}")
if fields != ["birth_date", "postal_code"]:
    raise SystemExit(f"unexpected fields at fault: {fields}")
print("flow done")
