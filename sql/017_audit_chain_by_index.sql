-- The chainer read the inbox with a sequential scan. The inbox is small when analyzed but
-- grows many pages of dead rows between two vacuums (autovacuum looks at a table once a
-- minute), so the planner's "a few rows: scan them all" read thousands of dead pages on
-- every call: 42 ms a call on a bench inbox of 1,800 pages, ten calls a second, up to
-- half of one CPU spent on nothing. By its primary key it reads only the rows it takes,
-- and the index learns which entries are dead after the first pass (1 ms for 50 events on
-- the same inbox). The inbox is read, joined and deleted by id alone, so no plan in the
-- function is better without an index.
--
-- Without JIT: a plan that has to fall back on a disabled sequential scan (the one-row
-- chain head) costs more than jit_above_cost, and compiling it took 110 ms a call.
ALTER FUNCTION peerd_audit_chain(integer) SET enable_seqscan = off;
ALTER FUNCTION peerd_audit_chain(integer) SET jit = off;
