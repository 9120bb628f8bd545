DROP FUNCTION qpv_codes_valid(text[]), age_band(integer), age_on(date, date);
