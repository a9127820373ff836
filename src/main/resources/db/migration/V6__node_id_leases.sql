-- Node-id leases: a node started with node.id auto takes the lowest free id (0-1023) as a row here,
-- renews it while it lives and stops minting ids when it cannot (dev.ladder.ids.NodeIdLease).
-- Same conventions as V1-V5: epoch-millisecond BIGINT times, no foreign keys, plain SQL that H2
-- (MySQL mode) and MariaDB share.
--
-- holder: the holding process (its name and a random token: a restarted node is a new holder);
-- "configured:..." marks a node with a configured node.id, whose row auto nodes never take.
-- expires_at: the holder mints no id carrying this millisecond or a later one, and another node
-- may take the id once its own clock has passed it; the next holder mints from this millisecond
-- on, so two holders' ids never meet whatever their clocks say. A row is never deleted: its
-- expires_at is where the next holder starts.
CREATE TABLE node_id_leases (
    node_id      INT          NOT NULL,
    holder       VARCHAR(120) NOT NULL,
    holder_name  VARCHAR(64)  NOT NULL,
    acquired_at  BIGINT       NOT NULL,
    renewed_at   BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL,
    PRIMARY KEY (node_id)
);
