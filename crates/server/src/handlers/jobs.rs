//! Jobs (uploads to ingest, resolution runs), quarantined rows of a batch, and the
//! resolution review flow (queue and judgements).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use service::{
    IngestUpload, JobId, JobStarted, JobView, JudgementRequest, QuarantinedRowView, ReviewPairView,
};

use crate::extract::{JsonBody, Params};
use crate::{ApiError, AppState, Authenticated};

const DEFAULT_REVIEW: usize = 50;

/// `POST /api/ingest` `{file_name, data_base64, profile_toml}` → 202 `{job}`.
pub(crate) async fn ingest(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(upload): JsonBody<IngestUpload>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    let data = decode_base64(&upload.data_base64)
        .ok_or_else(|| ApiError::bad_request("data_base64 is not valid base64"))?;
    let job = state
        .call(move |service| {
            service.start_ingest(&actor, &upload.file_name, data, upload.profile_toml)
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job })))
}

/// `GET /api/jobs`: the jobs of the caller's agency, newest first.
pub(crate) async fn jobs(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Vec<JobView>>, ApiError> {
    Ok(Json(state.call(move |service| service.jobs(&actor)).await?))
}

/// `GET /api/jobs/{id}`.
pub(crate) async fn job(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let id: JobId = id
        .parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such job"))?;
    Ok(Json(
        state.call(move |service| service.job(&actor, id)).await?,
    ))
}

/// `GET /api/batches/{batch}/quarantine`.
pub(crate) async fn quarantine(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(batch): Path<String>,
) -> Result<Json<Vec<QuarantinedRowView>>, ApiError> {
    Ok(Json(
        state
            .call(move |service| service.quarantine(&actor, &batch))
            .await?,
    ))
}

/// `POST /api/resolution/run` → 202 `{job}`.
pub(crate) async fn run_resolution(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    let job = state
        .call(move |service| service.start_resolution(&actor))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job })))
}

/// `GET /api/resolution/review?limit=`.
pub(crate) async fn review(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> Result<Json<Vec<ReviewPairView>>, ApiError> {
    let limit = params.number("limit")?.unwrap_or(DEFAULT_REVIEW);
    Ok(Json(
        state
            .call(move |service| service.review_queue(&actor, limit))
            .await?,
    ))
}

/// `POST /api/resolution/judgements` `{left, right, same, reason}` → 201, the entry.
pub(crate) async fn judge(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(request): JsonBody<JudgementRequest>,
) -> Result<(StatusCode, Json<store::Judgement>), ApiError> {
    let judgement = state
        .call(move |service| {
            service.judge(
                &actor,
                &request.left,
                &request.right,
                request.same,
                &request.reason,
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(judgement)))
}

/// Standard base64 (RFC 4648 §4, padding optional, whitespace ignored); `None` when
/// malformed.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(byte: u8) -> Option<u32> {
        match byte {
            b'A'..=b'Z' => Some(u32::from(byte - b'A')),
            b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let symbols: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let trimmed = match symbols.iter().position(|&byte| byte == b'=') {
        Some(first_pad) => {
            if symbols[first_pad..].iter().any(|&byte| byte != b'=')
                || !symbols.len().is_multiple_of(4)
                || symbols.len() - first_pad > 2
            {
                return None;
            }
            &symbols[..first_pad]
        }
        None => &symbols[..],
    };
    if trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() / 4 * 3 + 2);
    for chunk in trimmed.chunks(4) {
        let mut accumulator = 0u32;
        for &byte in chunk {
            accumulator = (accumulator << 6) | value(byte)?;
        }
        accumulator <<= 6 * (4 - chunk.len() as u32);
        let bytes = accumulator.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("Zg==").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode_base64("Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(decode_base64("Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(decode_base64("Zm9vYg").as_deref(), Some(&b"foob"[..]));
        assert_eq!(
            decode_base64("aWQsbmFtZQo+/w==").as_deref(),
            Some(&b"id,name\n>\xff"[..])
        );
        assert_eq!(decode_base64("Zm9v!"), None);
        assert_eq!(decode_base64("Z"), None);
        assert_eq!(decode_base64("Zg=a"), None);
    }
}
