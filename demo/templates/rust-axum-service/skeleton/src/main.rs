//! ${{ values.name }}: ${{ values.description }}

mod routes;

use service_kit::{Config, Service};

#[tokio::main]
async fn main() -> Result<(), service_kit::Error> {
    let config = Config::from_env("${{ values.name | upper | replace('-', '_') }}")?;
    service_kit::telemetry::init(&config)?;
{%- if values.database == 'postgres' %}
    let db = sqlx::PgPool::connect(&config.require("DATABASE_URL")?).await?;
    sqlx::migrate!().run(&db).await?;
    let state = routes::AppState { db };
{%- else %}
    let state = routes::AppState::default();
{%- endif %}

    Service::new("${{ values.name }}", config)
        .port(${{ values.port }})
        .router(routes::router(state))
        .run_until_shutdown()
        .await
}
