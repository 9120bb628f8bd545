// The core flow of API.md, as a front end writes it with a client generated
// from openapi/openapi.json: organisations, a contract, a person, a
// placement, a month declared by the company and validated by the
// facilitator, the key figures, the annual report downloaded as a workbook,
// a paged list, and a 422 read through its typed `errors`. No cast, no `any`, no non-null assertion: `tsc --strict`
// checks it (make test), then it runs against a test service.
//
//   BASE_URL=http://127.0.0.1:8080 FACILITATOR_TOKEN=... COMPANY_TOKEN=... COMPANY_ID=... node dist/flow.js
//
// COMPANY_TOKEN is a company's token (`clauses token --role company --org COMPANY_ID`):
// a token names an organisation that exists, so the company is registered first.

import { unzipSync } from "fflate";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set`);
  }
  return value;
}

// Each operation answers one media type: JSON, or a file on its own path
// (`….csv`, `….xlsx`) read with `parseAs`.
function client(token: string) {
  return createClient<paths>({
    baseUrl: env("BASE_URL"),
    headers: { Authorization: `Bearer ${token}` },
  });
}

/** The body of a success, or the problem the service answered. */
function ok<T>(step: string, r: { data?: T; error?: Problem | unknown; response: Response }): T {
  if (r.data === undefined) {
    throw new Error(`${step}: ${r.response.status} ${JSON.stringify(r.error)}`);
  }
  console.log(`${step}: ${r.response.status}`);
  return r.data;
}

const facilitator = client(env("FACILITATOR_TOKEN"));
const company = client(env("COMPANY_TOKEN"));
const companyId = env("COMPANY_ID");
const run = Date.now().toString(36);

const buyer: Schemas["Organisation"] = ok(
  "a buyer",
  await facilitator.POST("/api/v1/organisations", {
    body: { kind: "buyer", name: `Ville de Corbeil-Essonnes ${run}` },
  }),
);

const contract: Schemas["Contract"] = ok(
  "a contract",
  await facilitator.POST("/api/v1/contracts", {
    body: {
      buyer_id: buyer.id,
      holder_id: companyId,
      reference: `2019-TX-${run}`,
      title: "Réhabilitation de 120 logements",
      clause_type: "execution_condition",
      start_date: "2019-01-01",
      end_date: "2020-12-31",
      amount_excl_tax: 1_000_000,
      labour_share: 0.4,
      insertion_rate: 0.05,
      hourly_cost: 25,
    },
  }),
);
console.log(`  commitment ${contract.commitment_hours} h (${contract.commitment_source})`);

const person: Schemas["Beneficiary"] = ok(
  "a person",
  await facilitator.POST("/api/v1/beneficiaries", {
    body: {
      last_name: "Diallo",
      first_name: "Awa",
      sex: "F",
      birth_date: "1999-05-01",
      postal_code: "91100",
      eligibility: ["rsa", "long_term_unemployed"],
    },
  }),
);

// A read of a person is one of three shapes: a live record (`erased:
// false`, names are strings), an erased one (`erased: true`, names gone),
// or the name only (an employer's view, no `erased`).
const view = ok(
  "the person read back",
  await facilitator.GET("/api/v1/beneficiaries/{id}", { params: { path: { id: person.id } } }),
);
if ("erased" in view && !view.erased) {
  console.log(`  ${view.first_name} ${view.last_name.toUpperCase()}, born ${view.birth_date}`);
} else {
  throw new Error("a person just registered reads as a live record");
}

// The facilitator places the person (a company places only people it
// employs or employed already).
const placement: Schemas["Placement"] = ok(
  "a placement",
  await facilitator.POST("/api/v1/placements", {
    body: {
      beneficiary_id: person.id,
      contract_id: contract.id,
      employer_id: companyId,
      modality: "direct_fixed_term",
      job_title: "Maçon",
      start_date: "2019-03-04",
      end_date: "2019-08-30",
    },
  }),
);

const month = "2019-05";
const declared: Schemas["MonthlyHours"] = ok(
  "the company declares May",
  await company.PUT("/api/v1/placements/{id}/hours/{month}", {
    params: { path: { id: placement.id, month } },
    body: { worked_hours: 151.67, training_hours: 0 },
  }),
);
console.log(`  ${declared.worked_hours} h, ${declared.status}`);

const validated: Schemas["MonthlyHours"] = ok(
  "the facilitator validates it",
  await facilitator.POST("/api/v1/placements/{id}/hours/{month}/validation", {
    params: { path: { id: placement.id, month } },
    body: { decision: "validated" },
  }),
);
if (validated.status !== "validated") {
  throw new Error(`the month reads ${validated.status}`);
}

const figures: Schemas["KeyFiguresAnswer"] = ok(
  "the key figures of 2019",
  await facilitator.GET("/api/v1/stats/key-figures", { params: { query: { year: 2019 } } }),
);
// Counts of people may be masked: a number, "< 5", "≥ 5", or null.
const women: Schemas["PeopleCount"] = figures.women;
const womenText = typeof women === "number" ? women.toString() : women ?? "not given";
console.log(`  ${figures.hours} h, ${figures.participants} people, women: ${womenText}`);

// The annual report as a file: the workbook has its own path and is read as
// bytes (a Blob), never decoded as text. An XLSX is a zip: it must open and
// hold a workbook.
const workbook: Blob = ok(
  "the annual report of 2019 as a workbook",
  await facilitator.GET("/api/v1/reports/annual.xlsx", {
    params: { query: { year: 2019 } },
    parseAs: "blob",
  }),
);
const parts = unzipSync(new Uint8Array(await workbook.arrayBuffer()));
if (parts["xl/workbook.xml"] === undefined || parts["[Content_Types].xml"] === undefined) {
  throw new Error(`the workbook holds ${Object.keys(parts).join(", ")}`);
}
const sheets = Object.keys(parts).filter((name) => name.startsWith("xl/worksheets/sheet"));
console.log(`  ${workbook.size} bytes, ${sheets.length} sheets`);

// A paged list: follow `next_cursor` until it is null.
let cursor: string | undefined;
let seen = 0;
do {
  const page: Schemas["PlacementPage"] = ok(
    "a page of placements",
    await facilitator.GET("/api/v1/placements", {
      params: { query: cursor === undefined ? { limit: 1 } : { limit: 1, cursor } },
    }),
  );
  for (const item of page.items) {
    // A buyer's view has no person: only the full one carries `beneficiary_id`.
    seen += "beneficiary_id" in item ? 1 : 0;
  }
  cursor = page.next_cursor ?? undefined;
} while (cursor !== undefined);
console.log(`  ${seen} placement(s) seen, page by page`);

// A 422: every field at fault, typed.
const refused = await facilitator.POST("/api/v1/beneficiaries", {
  body: {
    last_name: "Martin",
    first_name: "Léo",
    sex: "M",
    birth_date: "2030-01-01",
    postal_code: "9110",
    eligibility: ["rsa"],
  },
});
if (refused.response.status !== 422 || refused.error === undefined) {
  throw new Error(`a person born in 2030 answered ${refused.response.status}`);
}
const fields = refused.error.errors.map((e: Schemas["FieldError"]) => e.field).sort();
console.log(`a refused person: 422 on ${fields.join(", ")}`);
if (fields.join(",") !== "birth_date,postal_code") {
  throw new Error(`unexpected fields at fault: ${fields.join(", ")}`);
}
console.log("flow done");
