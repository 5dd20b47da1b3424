-- Initial schema for ${{ values.name }}. Applied by `sqlx migrate run` in the pre-deploy job.
CREATE TABLE IF NOT EXISTS example (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    payload     jsonb NOT NULL
);
