-- The built-in catalog's card windows read, since record.toml joined it, the merchant category and
-- the terminal's coordinates of the card's transactions too (the card in this merchant category;
-- the offset from the card's usual terminals). With them in the card's index its ranges stay
-- index-only, as 0003 made them for the amount; the README's "The model" has the figures. The
-- new index is built before the old one is dropped, so serving never runs without one.
CREATE INDEX transactions_customer_time_record ON {schema}.transactions (customer_id, tx_time)
    INCLUDE (amount, merchant_category, terminal_x, terminal_y);
DROP INDEX {schema}.transactions_customer_time;
ALTER INDEX {schema}.transactions_customer_time_record RENAME TO transactions_customer_time;
