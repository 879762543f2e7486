-- Emptying the session's staging temp tables (DELETE, not TRUNCATE: TRUNCATE commits the
-- transaction on Redshift). Their DDL lives with the area that uses them.

-- name: clear_fraudd_stage_dead
DELETE FROM fraudd_stage_dead

-- name: clear_fraudd_stage_blocks
DELETE FROM fraudd_stage_blocks

-- name: clear_fraudd_stage_labels
DELETE FROM fraudd_stage_labels
