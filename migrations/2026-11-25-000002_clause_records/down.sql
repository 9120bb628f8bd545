DROP TABLE monthly_hours;
DROP TABLE placements;
DROP TABLE beneficiaries;
DROP TABLE contracts;
