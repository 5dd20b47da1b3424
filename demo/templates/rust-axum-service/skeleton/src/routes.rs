use axum::{extract::State, routing::get, Json, Router};
use serde::Serialize;

#[derive(Clone{% if values.database != 'postgres' %}, Default{% endif %})]
pub struct AppState {
{%- if values.database == 'postgres' %}
    pub db: sqlx::PgPool,
{%- endif %}
}

#[derive(Serialize)]
struct Hello {
    service: &'static str,
    message: String,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/hello", get(hello))
        .with_state(state)
    // /health, /health/ready and /metrics are added by service-kit.
}

async fn hello(State(_state): State<AppState>) -> Json<Hello> {
    Json(Hello {
        service: "${{ values.name }}",
        message: "Hello from Encore".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum_test::TestServer;

    #[tokio::test]
    async fn hello_answers() {
{%- if values.database == 'postgres' %}
        let db = sqlx::PgPool::connect_lazy("postgres://localhost/test").unwrap();
        let server = TestServer::new(router(AppState { db })).unwrap();
{%- else %}
        let server = TestServer::new(router(AppState::default())).unwrap();
{%- endif %}
        server.get("/v1/hello").await.assert_status_ok();
    }
}
