//! Polling the old ticket session API («Получение записей на прием и вызовов пациента через сессию») within a bounded time, with a typed outcome per
//! LPU.

use std::time::Duration;

use fer_model::Guid;
use fer_model::portal::{
    LpuInfo, TICKETS_SESSION_PATH, TicketCallWithLpuBase, TicketListState, TicketLists, TicketVisitWithLpuBase,
};
use tokio::time::Instant;

use super::PortalClient;
use crate::Error;

/// The pause between two polls when none is configured.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The total time of [`PortalClient::tickets`] when none is configured.
pub const DEFAULT_POLL_DEADLINE: Duration = Duration::from_secs(30);

/// How [`PortalClient::tickets`] polls.
///
/// ```
/// use std::time::Duration;
/// use fer_client::portal::PollOptions;
/// let options = PollOptions { interval: Duration::from_millis(500), ..PollOptions::default() };
/// assert_eq!(options.deadline, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// The pause between two polls (default [`DEFAULT_POLL_INTERVAL`]).
    pub interval: Duration,
    /// The total time allowed, from opening the session to the last answer (default
    /// [`DEFAULT_POLL_DEADLINE`]). No request runs past it.
    pub deadline: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions { interval: DEFAULT_POLL_INTERVAL, deadline: DEFAULT_POLL_DEADLINE }
    }
}

/// The lists of a host that answered (`state = Complete`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tickets {
    /// Записи на прием.
    pub visits: Vec<TicketVisitWithLpuBase>,
    /// Вызовы на дом.
    pub calls: Vec<TicketCallWithLpuBase>,
    /// Диспансеризации (raw JSON: the seed does not describe the item).
    pub disps: Vec<serde_json::Value>,
}

/// What one LPU's host answered by the end of the polling.
#[derive(Debug, Clone, PartialEq)]
pub enum LpuOutcome {
    /// `Complete`: the host's lists.
    Complete(Tickets),
    /// `Failed`: the host could not be polled («неполадки связи, ошибки формата»).
    Failed,
    /// Still `InProgress` when the deadline came.
    InProgressAtDeadline,
}

impl LpuOutcome {
    /// The last `state` the portal reported for this host.
    pub fn state(&self) -> TicketListState {
        match self {
            LpuOutcome::Complete(_) => TicketListState::Complete,
            LpuOutcome::Failed => TicketListState::Failed,
            LpuOutcome::InProgressAtDeadline => TicketListState::InProgress,
        }
    }
}

/// One LPU of the answer: the LPU of the patient's MKAB and what its host answered.
#[derive(Debug, Clone, PartialEq)]
pub struct LpuTickets {
    /// The LPU the data comes from (not necessarily the LPU of each visit: each visit names its own).
    pub lpu: LpuInfo,
    /// Its outcome.
    pub outcome: LpuOutcome,
}

/// The result of [`PortalClient::tickets`].
#[derive(Debug, Clone, PartialEq)]
pub struct TicketsReport {
    /// The session polled.
    pub session: Guid,
    /// Polls answered.
    pub polls: u32,
    /// One entry per LPU host, in the portal's order.
    pub lpus: Vec<LpuTickets>,
}

impl TicketsReport {
    /// True when no host was still in progress: the polling ended before the deadline.
    pub fn finished(&self) -> bool {
        self.lpus.iter().all(|l| l.outcome != LpuOutcome::InProgressAtDeadline)
    }

    /// Every visit of the hosts that answered.
    pub fn visits(&self) -> impl Iterator<Item = &TicketVisitWithLpuBase> {
        self.lpus
            .iter()
            .filter_map(|l| match &l.outcome {
                LpuOutcome::Complete(t) => Some(t.visits.iter()),
                _ => None,
            })
            .flatten()
    }

    /// Builds the report from the last lists answered.
    fn from_lists(session: Guid, polls: u32, lists: Vec<TicketLists>) -> Self {
        let lpus = lists
            .into_iter()
            .map(|l| {
                let outcome = match l.state {
                    TicketListState::Complete => {
                        LpuOutcome::Complete(Tickets { visits: l.visits, calls: l.calls, disps: l.disps })
                    }
                    TicketListState::Failed => LpuOutcome::Failed,
                    TicketListState::InProgress => LpuOutcome::InProgressAtDeadline,
                };
                LpuTickets { lpu: l.lpu, outcome }
            })
            .collect();
        TicketsReport { session, polls, lpus }
    }
}

/// Opens a session and polls it until no list is in progress or the deadline comes.
pub(super) async fn poll(client: &PortalClient, options: PollOptions) -> Result<TicketsReport, Error> {
    let deadline = Instant::now() + options.deadline;
    let timeout = |path: String| Error::Timeout { method: "GET".into(), path, after: options.deadline };
    let session = tokio::time::timeout_at(deadline, client.open_ticket_session())
        .await
        .map_err(|_| timeout(TICKETS_SESSION_PATH.to_owned()))??;
    let mut polls = 0u32;
    let mut last = None;
    loop {
        match tokio::time::timeout_at(deadline, client.ticket_lists(&session)).await {
            Ok(lists) => {
                let lists = lists?;
                polls += 1;
                let finished = TicketLists::polling_finished(&lists);
                tracing::debug!(polls, lpus = lists.len(), finished, "ticket session polled");
                if finished {
                    return Ok(TicketsReport::from_lists(session.session, polls, lists));
                }
                last = Some(lists);
            }
            // The deadline came while a poll was in flight.
            Err(_) => break,
        }
        if Instant::now() + options.interval >= deadline {
            break;
        }
        tokio::time::sleep(options.interval).await;
    }
    match last {
        Some(lists) => Ok(TicketsReport::from_lists(session.session, polls, lists)),
        None => Err(timeout(session.tickets_path())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_map_to_typed_outcomes() {
        let json = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/spec/003/ticket_lists_response.json"
        ))
        .unwrap();
        let complete: Vec<TicketLists> = serde_json::from_str(&json).unwrap();
        let mut failed = complete[0].clone();
        failed.state = TicketListState::Failed;
        let mut pending = complete[0].clone();
        pending.state = TicketListState::InProgress;
        let lists = vec![complete[0].clone(), failed, pending];
        let report = TicketsReport::from_lists(Guid::from_u128(1), 3, lists);
        let states: Vec<_> = report.lpus.iter().map(|l| l.outcome.state()).collect();
        assert_eq!(states, [TicketListState::Complete, TicketListState::Failed, TicketListState::InProgress]);
        assert!(!report.finished());
        assert_eq!(report.visits().count(), 1, "only the complete host's visits");
        assert_eq!(report.lpus[0].lpu.mcod, "470101");
    }
}
