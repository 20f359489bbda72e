-- The Merkle root of each sealed transaction computed by a loop over the level instead of one
-- aggregate query per level (issue 24). Same tree (RFC 6962 as in 0011: node = sha256(0x01 ‖ left ‖
-- right), an odd last node carried up unchanged), same result for every input — NULL for NULL or
-- no leaves; checked for 0–140 leaves against 0011's function — in a fifth of the time: 2,000 roots
-- of 64 leaves took 0.98 s of server time with 0011's function and 0.20 s with this one (the
-- arrays' construction, 0.11 s, subtracted). A batch of 32 seals 64 leaves at its write and 32 at
-- its claim, so this is about 15 µs of a no-op job's ≈ 300 µs of server time.
CREATE OR REPLACE FUNCTION sigverify.merkle_root(leaves bytea[]) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    level bytea[] := leaves;
    upper bytea[];
    n int := cardinality(leaves);
BEGIN
    WHILE n > 1 LOOP
        upper := '{}';
        FOR i IN 1 .. n - 1 BY 2 LOOP
            upper := upper || sha256('\x01'::bytea || level[i] || level[i + 1]);
        END LOOP;
        IF n % 2 = 1 THEN
            upper := upper || level[n];
        END IF;
        level := upper;
        n := cardinality(level);
    END LOOP;
    RETURN level[1];
END $$;
