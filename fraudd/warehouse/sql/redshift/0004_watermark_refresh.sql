-- The refresh time of the row a watermark stands on (the streaming view's refresh_time, a
-- TIMESTAMP): every later row of the shard was ingested in the same refresh or a later one, so
-- the consumer's poll bounds its scan by it and zone maps skip the older blocks
-- (fraudd/warehouse/redshift/stream.py).
ALTER TABLE {schema}.consumer_watermarks ADD COLUMN refreshed_at TIMESTAMP;
