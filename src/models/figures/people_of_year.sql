-- The year's people of the whole deployment, of one territory or of a
-- Département's scope, one row each with person_years' columns. A
-- territory's people are person_years' rows of its territory (all their
-- placements are on its contracts). A Département's are those of the
-- territories it oversees, and the people of the contracts it buys in the
-- others: other records (a person is followed in one territory), whose
-- rows are made here from the year's placement rows of those contracts
-- alone, with person_years' definitions (the age on the later of
-- 1 January and their earliest placement's start).
(SELECT pe.sex, pe.age, pe.qpv, pe.qualification_level, pe.eligibility, pe.starts, pe.centihours
 FROM person_years pe
 WHERE pe.year = :year AND {person_territory}
   AND (:department::uuid IS NULL OR pe.territory_id IN ({overseen}))
 UNION ALL
 SELECT b.sex, person_age(b.id, b.birth_date, greatest(:first, min(py.start_date))), b.qpv_resident,
        b.qualification_level, b.eligibility,
        (count(*) FILTER (WHERE py.start_date >= :first))::int, sum(py.centihours)::bigint
 FROM placement_years py
 JOIN contracts c ON c.id = py.contract_id
 JOIN beneficiaries b ON b.id = py.beneficiary_id
 WHERE :department::uuid IS NOT NULL AND py.year = :year
   AND c.buyer_id = :department AND c.territory_id NOT IN ({overseen}) AND {contract_territory}
 GROUP BY b.id)
