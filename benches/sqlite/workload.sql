-- The SQLite workload of benches/sqlite/run.sh (issue 13): the same script
-- for plain SQLite, the pageseal VFS and SQLCipher. `.print @name` marks
-- the start of a timed phase; `.timer on` prints each statement's time.
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
.timer on
.print @insert
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000)
  INSERT INTO t SELECT i, abs(random()) % 1000000000, randomblob(200) FROM c;
.print @index
CREATE INDEX t_k ON t(k);
.print @scan1
SELECT count(*), sum(length(v)) FROM t;
.print @scan2
SELECT count(*), sum(length(v)) FROM t WHERE k >= 0;
.print @update
UPDATE t SET v = randomblob(200) WHERE id % 5 = 0;
.print @checkpoint
PRAGMA wal_checkpoint(TRUNCATE);
.print @lookups
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
  SELECT sum(length((SELECT v FROM t WHERE id = (c.i * 7919) % 200000 + 1))) FROM c;
.print @lookups_warm
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
  SELECT sum(length((SELECT v FROM t WHERE id = (c.i * 7919) % 2000 + 1))) FROM c;
.print @end
