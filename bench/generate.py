#!/usr/bin/env python3
"""Writes a national-scale territory as CSV streams for COPY.

Usage: generate.py TABLE  (organisations|operations|contracts|beneficiaries|placements|monthly_hours)
Sizes: 200,000 people, 300,000 placements, 3,000,000 monthly hours rows (BENCH_PLACEMENTS scales them),
5,000 contracts, 2,050 organisations, years 2015 to 2024. Deterministic.
"""
import datetime as dt
import os
import random
import sys

# BENCH_PLACEMENTS scales people and hours with it (bench/load.sh: 100,000).
PLACEMENTS = int(os.environ.get("BENCH_PLACEMENTS", "300000"))
PEOPLE, HOURS = PLACEMENTS * 2 // 3, PLACEMENTS * 10
CONTRACTS, BUYERS, COMPANIES = 5_000, 50, 2_000
MODALITIES = ["direct_permanent", "direct_fixed_term", "apprenticeship", "professionalisation", "temporary_work",
              "integration_temporary_work", "intermediary_association", "geiq", "siae_subcontracting", "training"]
ELIGIBILITY = ["long_term_unemployed", "rsa", "ass", "aah", "disabled_worker", "young_low_qualified",
               "young_under_26", "senior_50_plus", "iae_pathway", "plie_participant"]
LEVELS = ["infra_3", "3", "4", "5", ""]
OPERATIONS = 40
# CPV codes of each nature (works, supplies, services) and none.
CPVS = ["45210000", "45453000", "39130000", "34928400", "90910000", "77310000", "79600000", ""]
BUYER_CATEGORIES = ["municipality", "intermunicipality", "department", "social_landlord", "hospital", ""]
SIAE_TYPES = ["", "", "", "", "ei", "aci", "ai", "etti", "geiq", "ea"]
NATURES = {"45": "works", "39": "supplies", "34": "supplies", "90": "services", "77": "services", "79": "services"}


def uid(kind, n):
    h = f"{kind:04x}{n:028x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def add_months(d, n):
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def contracts():
    rnd = random.Random(2)
    out = []
    for c in range(CONTRACTS):
        start = dt.date(2015, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 9))
        end = start + dt.timedelta(days=rnd.randrange(365, 365 * 4))
        out.append((c, start, end, rnd.randrange(BUYERS), BUYERS + rnd.randrange(COMPANIES)))
    return out


def placements():
    rnd = random.Random(3)
    cs = contracts()
    for p in range(PLACEMENTS):
        c, cstart, cend, _, holder = cs[rnd.randrange(CONTRACTS)]
        start = cstart + dt.timedelta(days=rnd.randrange(0, max(1, (cend - cstart).days - 60)))
        end = None if rnd.random() < 0.2 else start + dt.timedelta(days=rnd.randrange(310, 540))
        yield p, rnd.randrange(PEOPLE), c, holder, start, end


def main(table):
    w = sys.stdout.write
    if table == "organisations":
        for o in range(BUYERS + COMPANIES):
            if o < BUYERS:
                w(f"{uid(1, o)},buyer,Organisation {o},,{BUYER_CATEGORIES[o % len(BUYER_CATEGORIES)]}\n")
            else:
                w(f"{uid(1, o)},company,Organisation {o},{SIAE_TYPES[o % len(SIAE_TYPES)]},\n")
    elif table == "operations":
        for op in range(OPERATIONS):
            w(f"{uid(6, op)},OP-{op},npnru,{{QN09103M}},2015-01-01,{200000 + op}\n")
    elif table == "contracts":
        clauses = ["execution_condition", "award_criterion", "reserved_market", "insertion_contract"]
        for c, start, end, buyer, holder in contracts():
            cpv = CPVS[c % len(CPVS)]
            w(f"{uid(2, c)},{uid(1, buyer)},{uid(1, holder)},REF-{c},Marché {c},OP-{c % OPERATIONS},"
              f"{uid(6, c % OPERATIONS)},{clauses[c % 4]},{start},{end},{10000 + c},given,{cpv},{NATURES.get(cpv[:2], '')}\n")
    elif table == "beneficiaries":
        rnd = random.Random(1)
        for b in range(PEOPLE):
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 45))
            qpv = "QN09103M" if rnd.random() < 0.3 else ""
            elig = "{" + ",".join(rnd.sample(ELIGIBILITY, rnd.randrange(1, 3))) + "}"
            w(f"{uid(3, b)},Nom{b},Prénom,{'F' if rnd.random() < 0.15 else 'M'},{birth},91100,{qpv},"
              f"{rnd.choice(LEVELS)},\"{elig}\"\n")
    elif table == "placements":
        rnd = random.Random(4)
        for p, b, c, holder, start, end in placements():
            w(f"{uid(4, p)},{uid(3, b)},{uid(2, c)},{uid(1, holder)},{rnd.choice(MODALITIES)},Poste,"
              f"{start},{end or ''}\n")
    elif table == "monthly_hours":
        rnd = random.Random(5)
        n = 0
        per = HOURS // PLACEMENTS
        for p, _, _, _, start, end in placements():
            first = dt.date(start.year, start.month, 1)
            for i in range(per):
                month = add_months(first, i)
                r = rnd.random()
                status = "validated" if r < 0.9 else ("declared" if r < 0.97 else "rejected")
                reason = "Contrôle" if status == "rejected" else ""
                w(f"{uid(5, n)},{uid(4, p)},{month},{rnd.randrange(0, 15000) / 100:.2f},"
                  f"{rnd.randrange(0, 1000) / 100 if rnd.random() < 0.2 else 0},{status},{reason},bench,company\n")
                n += 1
    else:
        sys.exit(f"unknown table {table}")


if __name__ == "__main__":
    main(sys.argv[1])
