-- latchkey_refuse(code) fails the statement that calls it with `code` as its message
-- (SQLSTATE LK001), undoing every write that statement carried: a transaction sent as one
-- statement refuses itself with it when a condition it checks does not hold. SQLite has
-- no such function; there such checks are statements of their own.
-- postgres only: begin
CREATE FUNCTION latchkey_refuse(code TEXT) RETURNS TEXT LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LK001', MESSAGE = code;
END
$$;
-- postgres only: end
