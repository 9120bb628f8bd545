-- The selection's referent on `placements p`: only the people it follows.
(:referent::uuid IS NULL OR p.beneficiary_id IN (SELECT id FROM beneficiaries WHERE referent_id = :referent))
