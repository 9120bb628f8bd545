// @generated automatically by Diesel CLI.

diesel::table! {
    organisations (id) {
        id -> Uuid,
        kind -> Text,
        name -> Text,
        siret -> Nullable<Text>,
        siae_type -> Nullable<Text>,
        identifier_type -> Nullable<Text>,
        identifier -> Nullable<Text>,
        buyer_category -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        territory_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    contracts (id) {
        id -> Uuid,
        buyer_id -> Uuid,
        holder_id -> Uuid,
        reference -> Text,
        title -> Text,
        operation -> Nullable<Text>,
        clause_type -> Text,
        start_date -> Date,
        end_date -> Date,
        amount_excl_tax -> Nullable<Numeric>,
        labour_share -> Nullable<Numeric>,
        insertion_rate -> Nullable<Numeric>,
        hourly_cost -> Nullable<Numeric>,
        commitment_hours -> Numeric,
        commitment_source -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        operation_id -> Nullable<Uuid>,
        cpv_code -> Nullable<Text>,
        market_nature -> Nullable<Text>,
        market_nature_given -> Bool,
        pricing -> Text,
        max_amount_excl_tax -> Nullable<Numeric>,
        initial_amount_excl_tax -> Nullable<Numeric>,
        initial_end_date -> Date,
        initial_commitment_hours -> Numeric,
        initial_commitment_source -> Text,
        penalty_per_missing_hour -> Nullable<Numeric>,
        penalty_cap_rate -> Nullable<Numeric>,
        report_due_on -> Nullable<Date>,
        amendments -> Int4,
        territory_id -> Uuid,
    }
}

diesel::table! {
    operations (id) {
        id -> Uuid,
        name -> Text,
        programme -> Text,
        qpv_codes -> Array<Text>,
        start_date -> Date,
        end_date -> Nullable<Date>,
        target_hours -> Nullable<Numeric>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        territory_id -> Uuid,
    }
}

diesel::table! {
    beneficiaries (id) {
        id -> Uuid,
        last_name -> Nullable<Text>,
        first_name -> Nullable<Text>,
        sex -> Text,
        birth_date -> Nullable<Date>,
        postal_code -> Nullable<Text>,
        qpv_code -> Nullable<Text>,
        qualification_level -> Nullable<Text>,
        eligibility -> Array<Text>,
        eligibility_reason -> Nullable<Text>,
        referent_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
        qpv_resident -> Bool,
        age_jan1_2000 -> Nullable<Int4>,
        external_ref -> Nullable<Text>,
        territory_id -> Uuid,
    }
}

diesel::table! {
    placements (id) {
        id -> Uuid,
        beneficiary_id -> Uuid,
        contract_id -> Uuid,
        employer_id -> Uuid,
        modality -> Text,
        job_title -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        weekly_hours -> Nullable<Numeric>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        territory_id -> Uuid,
    }
}

diesel::table! {
    monthly_hours (id) {
        id -> Uuid,
        placement_id -> Uuid,
        month -> Date,
        worked_hours -> Numeric,
        training_hours -> Numeric,
        status -> Text,
        reason -> Nullable<Text>,
        declared_by -> Text,
        declared_role -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(placements -> beneficiaries (beneficiary_id));
diesel::joinable!(placements -> contracts (contract_id));
diesel::joinable!(monthly_hours -> placements (placement_id));

diesel::table! {
    publications (year) {
        year -> Int4,
        figures -> Jsonb,
        published_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        territory_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    changes (seq) {
        seq -> Int8,
        entity -> Text,
        entity_id -> Uuid,
        op -> Text,
        version -> Int4,
        changed_at -> Timestamptz,
        contract_id -> Nullable<Uuid>,
        beneficiary_id -> Nullable<Uuid>,
        placement_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    decp_records (contract_id) {
        contract_id -> Uuid,
        raw -> Jsonb,
        imported_at -> Timestamptz,
    }
}

diesel::joinable!(decp_records -> contracts (contract_id));

diesel::table! {
    access_trail (id) {
        id -> Int8,
        at -> Timestamptz,
        sub -> Text,
        role -> Text,
        org -> Nullable<Uuid>,
        action -> Text,
        beneficiary_id -> Nullable<Uuid>,
        request_id -> Text,
        details -> Nullable<Jsonb>,
    }
}

diesel::table! {
    outcomes (placement_id) {
        placement_id -> Uuid,
        situation -> Text,
        qualification_gained -> Bool,
        follow_up_situation -> Nullable<Text>,
        follow_up_observed_on -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(outcomes -> placements (placement_id));
diesel::joinable!(contracts -> operations (operation_id));

diesel::table! {
    offers (id) {
        id -> Uuid,
        contract_id -> Uuid,
        employer_id -> Uuid,
        job_title -> Text,
        contract_type -> Text,
        hours_per_week -> Numeric,
        positions -> Int4,
        start_date -> Date,
        end_date -> Nullable<Date>,
        postal_code -> Text,
        description -> Nullable<Text>,
        qpv_priority -> Bool,
        external_url -> Nullable<Text>,
        status -> Text,
        hired -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        territory_id -> Uuid,
    }
}

diesel::table! {
    proposals (id) {
        id -> Uuid,
        offer_id -> Uuid,
        beneficiary_id -> Uuid,
        note -> Nullable<Text>,
        status -> Text,
        reason -> Nullable<Text>,
        proposed_by -> Text,
        proposer_role -> Text,
        proposer_org -> Nullable<Uuid>,
        placement_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(offers -> contracts (contract_id));
diesel::joinable!(proposals -> offers (offer_id));
diesel::joinable!(proposals -> beneficiaries (beneficiary_id));

diesel::table! {
    contract_amendments (id) {
        id -> Uuid,
        contract_id -> Uuid,
        reference -> Text,
        signed_on -> Date,
        reason -> Nullable<Text>,
        amount_excl_tax -> Nullable<Numeric>,
        end_date -> Nullable<Date>,
        commitment_hours -> Nullable<Numeric>,
        seq -> Int8,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    contract_orders (id) {
        id -> Uuid,
        contract_id -> Uuid,
        reference -> Text,
        ordered_on -> Date,
        start_date -> Date,
        end_date -> Date,
        amount_excl_tax -> Numeric,
        commitment_hours -> Numeric,
        commitment_source -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    contract_reports (id) {
        id -> Uuid,
        contract_id -> Uuid,
        number -> Text,
        issued_on -> Date,
        body -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    penalty_waivers (contract_id) {
        contract_id -> Uuid,
        reason -> Text,
        waived_at -> Timestamptz,
    }
}

diesel::joinable!(penalty_waivers -> contracts (contract_id));
diesel::joinable!(contract_amendments -> contracts (contract_id));
diesel::joinable!(contract_orders -> contracts (contract_id));
diesel::joinable!(contract_reports -> contracts (contract_id));

diesel::table! {
    territories (id) {
        id -> Uuid,
        name -> Text,
        department_id -> Nullable<Uuid>,
        postal_codes -> Array<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        owner_role -> Text,
        owner_org -> Nullable<Uuid>,
        url -> Text,
        events -> Array<Text>,
        description -> Nullable<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Bytea,
        previous_secret -> Nullable<Bytea>,
        previous_secret_until -> Nullable<Timestamptz>,
        cursor_xid -> Int8,
        cursor_seq -> Int8,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        webhook_id -> Uuid,
        message_id -> Text,
        cursor -> Text,
        #[sql_name = "type"]
        type_ -> Text,
        attempt -> Int4,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
        at -> Timestamptz,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    webhooks,
    webhook_deliveries,
    territories,
    contract_amendments,
    contract_orders,
    contract_reports,
    penalty_waivers,
    organisations,
    contracts,
    beneficiaries,
    placements,
    monthly_hours,
    publications,
    changes,
    decp_records,
    access_trail,
    outcomes,
    operations,
    offers,
    proposals,
);
