-- Redshift streaming ingestion of the Kinesis stream: what `ingest` + {schema}.{stream_view}
-- stand in for on the local stack. Names come from configuration (validated where spliced):
--   {external_schema}      redshift.external_schema  (the stream appears in it as a relation)
--   {iam_role:iam_role}    redshift.iam_role: `default` (the namespace's default IAM role; the
--                          CloudFormation stack makes RedshiftStreamingRoleArn the default) or
--                          the role's ARN
--   {stream_name:quoted}   kinesis.stream_name, double-quoted (stream names may contain '-')
--   {auto_refresh}         redshift.auto_refresh as YES/NO
-- The stream must exist and the role must be able to read it (and decrypt it with its KMS key)
-- before `fraudd migrate` runs.

CREATE EXTERNAL SCHEMA IF NOT EXISTS {external_schema}
FROM KINESIS
IAM_ROLE {iam_role:iam_role};

-- Kinesis stream names are case-sensitive; Redshift folds identifiers to lower case unless told
-- not to. Only the quoted stream name below is affected, for this migration's session.
SET enable_case_sensitive_identifier TO true;

-- The streaming materialized view the consumer polls. It keeps every record, with the metadata
-- columns Redshift supplies (the consumer's watermark is (shard_id, sequence_number); the raw
-- kinesis_data is what it validates and what a dead letter keeps). The JSON is parsed once,
-- here, into SUPER (`payload`) for ad-hoc PartiQL queries — the guard keeps a record that is
-- not JSON instead of failing the refresh or dropping the row, as a WHERE CAN_JSON_PARSE(...)
-- filter would: such rows have payload NULL and show in {schema}.stream_unparsed below, and the
-- consumer quarantines them with a reason (invariant 4).
-- No sort key: zone maps of VARCHAR columns ('shardId-...', 56-digit sequence numbers) keep
-- only their first 8 bytes, and rows arrive in refresh order anyway.
CREATE MATERIALIZED VIEW {schema}.{stream_view}
AUTO REFRESH {auto_refresh}
AS
SELECT approximate_arrival_timestamp,
       partition_key,
       shard_id,
       sequence_number,
       refresh_time,
       kinesis_data,
       CASE WHEN CAN_JSON_PARSE(kinesis_data) THEN JSON_PARSE(kinesis_data) END AS payload
FROM {external_schema}.{stream_name:quoted};

RESET enable_case_sensitive_identifier;

-- Records Redshift could not parse as JSON: the operator's view of bad input before (or without)
-- the consumer (the consumer's own verdict, with a reason, is {schema}.dead_letters).
CREATE VIEW {schema}.stream_unparsed AS
SELECT approximate_arrival_timestamp,
       partition_key,
       shard_id,
       sequence_number,
       refresh_time,
       kinesis_data
FROM {schema}.{stream_view}
WHERE NOT CAN_JSON_PARSE(kinesis_data);
