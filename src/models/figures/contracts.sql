-- The selection's condition on `contracts c`: the caller's scope (the
-- contracts it holds, or buys; a territory's facilitator's territory; the
-- Département's purchases and the territories it oversees), then the
-- filters asked for.
(:held_by::uuid IS NULL OR c.holder_id = :held_by)
    AND (:bought_by::uuid IS NULL OR c.buyer_id = :bought_by)
    AND {contract_territory}
    AND (:department::uuid IS NULL OR c.buyer_id = :department OR c.territory_id IN ({overseen}))
    AND (:buyer::uuid IS NULL OR c.buyer_id = :buyer)
    AND (:contract::uuid IS NULL OR c.id = :contract)
    AND (:operation::text IS NULL OR c.operation = :operation)
    AND (:operation_id::uuid IS NULL OR c.operation_id = :operation_id)
