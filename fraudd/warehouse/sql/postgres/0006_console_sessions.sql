-- Console logins are single use (fraudd/console/sessions.py): exchanging a login token appends
-- a 'session.opened' audit entry whose subject is the token's id. Two console processes racing
-- with the same token both pass the read; this index makes the second INSERT fail, so the
-- token opens exactly one session. (Redshift enforces no keys: there ONE console process per
-- warehouse serialises its logins in memory.)
CREATE UNIQUE INDEX audit_log_one_session_per_login ON {schema}.audit_log (subject)
    WHERE action = 'session.opened';
