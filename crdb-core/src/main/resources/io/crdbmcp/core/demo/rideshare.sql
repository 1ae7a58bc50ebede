-- Ride-sharing sample (in the spirit of CockroachDB's MovR): users, vehicles, rides, promo codes.
-- Deterministic: ids and values derive from generate_series, no random().
CREATE TABLE users (
  id          UUID PRIMARY KEY,
  city        VARCHAR(40) NOT NULL,
  name        VARCHAR(100) NOT NULL,
  email       VARCHAR(200) NOT NULL UNIQUE,
  address     TEXT,
  credit_card TEXT,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE users IS 'Riders and vehicle owners';
COMMENT ON COLUMN users.credit_card IS 'Masked card number';

CREATE TABLE vehicles (
  id            UUID PRIMARY KEY,
  city          VARCHAR(40) NOT NULL,
  type          VARCHAR(20) NOT NULL CHECK (type IN ('bike', 'scooter', 'skateboard')),
  owner_id      UUID NOT NULL REFERENCES users (id),
  status        VARCHAR(20) NOT NULL DEFAULT 'available',
  current_location TEXT,
  ext           JSONB,
  battery_level NUMERIC(5, 2),
  added_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX vehicles_city_status_idx ON vehicles (city, status);
CREATE INDEX vehicles_owner_idx ON vehicles (owner_id);

CREATE TABLE rides (
  id             UUID PRIMARY KEY,
  city           VARCHAR(40) NOT NULL,
  rider_id       UUID NOT NULL REFERENCES users (id),
  vehicle_id     UUID NOT NULL REFERENCES vehicles (id),
  start_address  TEXT,
  end_address    TEXT,
  start_time     TIMESTAMPTZ NOT NULL,
  end_time       TIMESTAMPTZ,
  revenue        NUMERIC(10, 2) NOT NULL CHECK (revenue >= 0),
  tags           TEXT[]
);
CREATE INDEX rides_rider_idx ON rides (rider_id);
CREATE INDEX rides_vehicle_idx ON rides (vehicle_id);
CREATE INDEX rides_city_start_idx ON rides (city, start_time);

CREATE TABLE promo_codes (
  code              VARCHAR(30) PRIMARY KEY,
  description       TEXT,
  creation_time     TIMESTAMPTZ NOT NULL,
  expiration_time   TIMESTAMPTZ NOT NULL,
  rules             JSONB NOT NULL,
  CHECK (expiration_time > creation_time)
);

CREATE TABLE user_promo_codes (
  user_id     UUID NOT NULL REFERENCES users (id),
  code        VARCHAR(30) NOT NULL REFERENCES promo_codes (code),
  usage_count INT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, code)
);

CREATE VIEW city_revenue AS
  SELECT city, count(*) AS rides, sum(revenue) AS revenue FROM rides GROUP BY city;

INSERT INTO users (id, city, name, email, address, credit_card, created_at)
SELECT
  ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
  (ARRAY['new york', 'boston', 'seattle', 'san francisco', 'amsterdam', 'paris', 'rome', 'los angeles'])[1 + g % 8],
  (ARRAY['Ana', 'Ben', 'Chloe', 'Dev', 'Eva', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jun'])[1 + g % 10] || ' '
    || (ARRAY['Smith', 'Garcia', 'Chen', 'Okafor', 'Rossi', 'Müller', 'Dubois', 'Kowalski'])[1 + (g / 10) % 8],
  'user' || g || '@example.com',
  g || ' Main Street',
  '**** **** **** ' || lpad((g * 37 % 10000)::text, 4, '0'),
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g || ' hours')::interval
FROM generate_series(1, 500) AS g;

INSERT INTO vehicles (id, city, type, owner_id, status, current_location, ext, battery_level, added_at)
SELECT
  ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid,
  (ARRAY['new york', 'boston', 'seattle', 'san francisco', 'amsterdam', 'paris', 'rome', 'los angeles'])[1 + g % 8],
  (ARRAY['bike', 'scooter', 'skateboard'])[1 + g % 3],
  ('00000000-0000-4000-8000-' || lpad(to_hex(1 + (g * 7) % 500), 12, '0'))::uuid,
  (ARRAY['available', 'in_use', 'lost'])[1 + (g % 10) / 8 + (g % 20) / 19],
  g || ' Dock Street',
  jsonb_build_object('color', (ARRAY['red', 'blue', 'black', 'green'])[1 + g % 4], 'brand', (ARRAY['Acme', 'Zoom', 'Glide'])[1 + g % 3], 'wheels', 2 + g % 2),
  ((g * 13) % 10000) / 100.0,
  TIMESTAMPTZ '2024-02-01 00:00:00+00' + (g || ' hours')::interval
FROM generate_series(1, 200) AS g;

INSERT INTO rides (id, city, rider_id, vehicle_id, start_address, end_address, start_time, end_time, revenue, tags)
SELECT
  ('00000000-0000-4000-a000-' || lpad(to_hex(g), 12, '0'))::uuid,
  (ARRAY['new york', 'boston', 'seattle', 'san francisco', 'amsterdam', 'paris', 'rome', 'los angeles'])[1 + g % 8],
  ('00000000-0000-4000-8000-' || lpad(to_hex(1 + (g * 11) % 500), 12, '0'))::uuid,
  ('00000000-0000-4000-9000-' || lpad(to_hex(1 + (g * 3) % 200), 12, '0'))::uuid,
  g || ' Start Avenue',
  (g * 7 % 900) || ' End Road',
  TIMESTAMPTZ '2024-03-01 08:00:00+00' + (g * 17 || ' minutes')::interval,
  CASE WHEN g % 50 = 0 THEN NULL
       ELSE TIMESTAMPTZ '2024-03-01 08:00:00+00' + (g * 17 + 5 + g % 40 || ' minutes')::interval END,
  ((g * 7919) % 10000) / 100.0,
  CASE g % 4 WHEN 0 THEN ARRAY['commute'] WHEN 1 THEN ARRAY['leisure', 'weekend'] WHEN 2 THEN ARRAY[]::TEXT[] ELSE NULL END
FROM generate_series(1, 3000) AS g;

INSERT INTO promo_codes (code, description, creation_time, expiration_time, rules)
SELECT
  'PROMO' || lpad(g::text, 3, '0'),
  (ARRAY['10% off', 'Free ride', '2 for 1', 'Weekend special'])[1 + g % 4],
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g || ' days')::interval,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g + 30 || ' days')::interval,
  jsonb_build_object('type', 'percent_discount', 'value', 5 + g % 20, 'cities', jsonb_build_array('new york', 'paris'))
FROM generate_series(1, 50) AS g;

INSERT INTO user_promo_codes (user_id, code, usage_count)
SELECT
  ('00000000-0000-4000-8000-' || lpad(to_hex(1 + (g * 13) % 500), 12, '0'))::uuid,
  'PROMO' || lpad((1 + g % 50)::text, 3, '0'),
  g % 5
FROM generate_series(1, 400) AS g
ON CONFLICT DO NOTHING;

ANALYZE;
