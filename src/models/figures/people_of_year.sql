-- The year's people of a Département's scope, one row each with
-- person_years' columns: those of the territories it oversees
-- (person_years' rows of those territories: all their placements are on
-- their territory's contracts), and the people of the contracts it buys
-- in the others: other records (a person is followed in one territory),
-- whose rows are made here from the year's placement rows of those
-- contracts alone, with person_years' definitions (the age on the later
-- of 1 January and their earliest placement's start). The whole
-- deployment's and a territory's people are person_years' rows alone
-- (stats::people_of_year).
(SELECT pe.sex, pe.age, pe.qpv, pe.qualification_level, pe.eligibility, pe.starts, pe.centihours
 FROM person_years pe
 WHERE pe.year = :year AND {person_territory}
   AND pe.territory_id IN ({overseen})
 UNION ALL
 SELECT b.sex, person_age(b.id, b.birth_date, greatest(:first, min(py.start_date))), b.qpv_resident,
        b.qualification_level, b.eligibility,
        (count(*) FILTER (WHERE py.start_date >= :first))::int, sum(py.centihours)::bigint
 FROM placement_years py
 JOIN contracts c ON c.id = py.contract_id
 JOIN beneficiaries b ON b.id = py.beneficiary_id
 WHERE py.year = :year
   AND c.buyer_id = :department AND c.territory_id NOT IN ({overseen}) AND {contract_territory}
 GROUP BY b.id)
