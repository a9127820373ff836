-- Query plans on MariaDB with a million seeded posts (docs/db-explain.md, scripts/explain).
-- Same conventions as V1-V4: plain SQL that H2 (MySQL mode) and MariaDB share.

-- Housekeeping's look-up of pending photos whose thumbnail job never reached the queue
-- (PhotoDao.unqueued: status = 'pending' AND queued = FALSE AND created_at < ? ORDER BY created_at).
-- On (status, created_at) it read every pending photo to find the few unqueued ones (5,000 read to
-- return 500 in the study; a thumbnail backlog makes that every pending photo, every minute). With
-- queued in the index the range holds exactly the rows it returns, in order. Nothing else used the
-- old index, so it goes rather than costing every photo write a third secondary index.
DROP INDEX photos_status ON photos;
CREATE INDEX photos_unqueued ON photos (status, queued, created_at);
