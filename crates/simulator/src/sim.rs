//! The day-by-day simulation: what happens, and which agency writes it down how.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Poisson};

use crate::agencies::{self, FEEDS, FeedId};
use crate::feeds::{self, EntityTruth, FeedWriter, RowBuf, RowEntity, TrueId, io_error};
use crate::noise::{self, AddressStyle, Noise, PhoneStyle};
use crate::tables::{self, Weighted};
use crate::truth;
use crate::world::{Equipment, NONE, OrgKind, Owner, Role, World, WorldSize};
use crate::{
    FeedSummary, Scale, SimulationConfig, SimulationError, SimulationProgress, SimulationSummary,
};

/// Total volumes for one scale; per-ring counts are per ring over the whole run.
#[derive(Debug, Clone, Copy)]
struct Volumes {
    world: WorldSize,
    bg_calls: f64,
    ring_calls: f64,
    bg_transfers: f64,
    bg_cash: f64,
    bg_crypto: f64,
    bg_parcels: f64,
    bg_arrests: f64,
    bg_overdoses: f64,
    bg_seizures: f64,
    bg_precursors: f64,
    bg_subjects: u32,
    bg_sars: f64,
    operations_per_agency: u32,
    /// Multiplies every per-ring event count.
    ring_scale: f64,
}

impl Volumes {
    fn of(scale: Scale) -> Volumes {
        match scale {
            Scale::Small => Volumes {
                world: WorldSize {
                    people: 1_500,
                    rings: 3,
                    companies: 100,
                },
                bg_calls: 1_200.0,
                ring_calls: 150.0,
                bg_transfers: 500.0,
                bg_cash: 120.0,
                bg_crypto: 60.0,
                bg_parcels: 600.0,
                bg_arrests: 200.0,
                bg_overdoses: 300.0,
                bg_seizures: 60.0,
                bg_precursors: 30.0,
                bg_subjects: 20,
                bg_sars: 15.0,
                operations_per_agency: 5,
                ring_scale: 1.0,
            },
            Scale::Medium => Volumes {
                world: WorldSize {
                    people: 60_000,
                    rings: 30,
                    companies: 3_000,
                },
                bg_calls: 200_000.0,
                ring_calls: 3_000.0,
                bg_transfers: 100_000.0,
                bg_cash: 15_000.0,
                bg_crypto: 8_000.0,
                bg_parcels: 100_000.0,
                bg_arrests: 20_000.0,
                bg_overdoses: 20_000.0,
                bg_seizures: 5_000.0,
                bg_precursors: 1_500.0,
                bg_subjects: 1_500,
                bg_sars: 1_500.0,
                operations_per_agency: 120,
                ring_scale: 4.0,
            },
            Scale::Large => Volumes {
                world: WorldSize {
                    people: 500_000,
                    rings: 150,
                    companies: 25_000,
                },
                bg_calls: 4_300_000.0,
                ring_calls: 8_000.0,
                bg_transfers: 2_300_000.0,
                bg_cash: 250_000.0,
                bg_crypto: 150_000.0,
                bg_parcels: 1_800_000.0,
                bg_arrests: 250_000.0,
                bg_overdoses: 200_000.0,
                bg_seizures: 50_000.0,
                bg_precursors: 15_000.0,
                bg_subjects: 20_000,
                bg_sars: 15_000.0,
                operations_per_agency: 800,
                ring_scale: 10.0,
            },
        }
    }

    /// Rows a run writes, roughly, for the progress bar.
    fn expected_rows(&self) -> u64 {
        let rings = f64::from(self.world.rings);
        let background = self.bg_calls
            + self.bg_transfers
            + self.bg_cash
            + self.bg_crypto
            + self.bg_parcels
            + self.bg_arrests * 1.55
            + self.bg_overdoses
            + self.bg_seizures
            + self.bg_precursors
            + self.bg_sars
            + f64::from(self.bg_subjects)
            + f64::from(self.operations_per_agency) * 2.0;
        let per_ring = self.ring_calls + self.ring_scale * 330.0 + 40.0;
        (background + rings * per_ring) as u64
    }
}

/// Things a ring does on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RingEvent {
    Parcel,
    Precursor,
    Arrest,
    StreetSeizure,
    MidSeizure,
    BulkSeizure,
    Overdose,
    Cluster,
    Structuring,
    Funnel,
    Cycle,
    PassThrough,
    CryptoHops,
    FrontDeposits,
    Payments,
}

/// (event, expected count per ring over the run at ring_scale 1).
const RING_EVENTS: &[(RingEvent, f64)] = &[
    (RingEvent::Parcel, 12.0),
    (RingEvent::Precursor, 4.0),
    (RingEvent::Arrest, 10.0),
    (RingEvent::StreetSeizure, 10.0),
    (RingEvent::MidSeizure, 3.0),
    (RingEvent::BulkSeizure, 1.0),
    (RingEvent::Overdose, 25.0),
    (RingEvent::Cluster, 3.0),
    (RingEvent::Structuring, 2.0),
    (RingEvent::Funnel, 1.0),
    (RingEvent::Cycle, 1.0),
    (RingEvent::PassThrough, 2.0),
    (RingEvent::CryptoHops, 2.0),
    (RingEvent::FrontDeposits, 2.0),
    (RingEvent::Payments, 30.0),
];

#[derive(Debug, Clone, Copy)]
enum Agenda {
    Ring(u32, RingEvent),
    PressImport(u32),
    PressRegistration(u32),
    PressTransfer(u32),
}

/// A planned operation, kept to compute the deconfliction truth.
#[derive(Debug, Clone)]
struct PlannedOperation {
    feed: FeedId,
    id: String,
    start: i64,
    end: i64,
    lat: f64,
    lon: f64,
    radius_m: f64,
    target: u32,
}

/// Random streams, one per component, so that changing one component's draws leaves the
/// others' output unchanged.
struct Streams {
    world: ChaCha8Rng,
    calls: ChaCha8Rng,
    ring: ChaCha8Rng,
    money: ChaCha8Rng,
    parcels: ChaCha8Rng,
    justice: ChaCha8Rng,
    health: ChaCha8Rng,
    plans: ChaCha8Rng,
}

fn stream(seed: u64, id: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(id);
    rng
}

/// SplitMix64's finaliser: a cheap, well-mixed hash of an integer.
fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

const SALT_DEA: u64 = 11;
const SALT_DOJ: u64 = 12;
const SALT_SHERIFF: u64 = 13;
const SALT_BANK: u64 = 14;
const SALT_CARRIER: u64 = 15;
const SALT_ORG: u64 = 16;

struct Sim<'a> {
    seed: u64,
    start: NaiveDate,
    days: u32,
    volumes: Volumes,
    world: World,
    feeds: Vec<FeedWriter>,
    truth: EntityTruth,
    patterns: BufWriter<File>,
    clusters: BufWriter<File>,
    truth_dir: std::path::PathBuf,
    row: RowBuf,
    rng: Streams,
    next_event: u64,
    next_pattern: u32,
    next_cluster: u32,
    day_weights: Vec<f64>,
    rows_written: u64,
    rows_expected: u64,
    last_progress: u64,
    progress: &'a mut dyn FnMut(SimulationProgress),
    operations: Vec<PlannedOperation>,
    parcel_origins: Weighted<usize>,
}

pub(crate) fn run(
    config: &SimulationConfig,
    out: &Path,
    progress: &mut dyn FnMut(SimulationProgress),
) -> Result<SimulationSummary, SimulationError> {
    let volumes = Volumes::of(config.scale);
    let truth_dir = out.join(truth::TRUTH_DIR);
    std::fs::create_dir_all(&truth_dir).map_err(|source| io_error(&truth_dir, source))?;
    let mut world_rng = stream(config.seed, 1);
    let world = World::build(volumes.world, config.start, &mut world_rng);
    let mut feeds_open = Vec::with_capacity(FEEDS.len());
    for (index, spec) in FEEDS.iter().enumerate() {
        let mut writer = FeedWriter::create(spec, out, stream(config.seed, 100 + index as u64))?;
        if config.scale == Scale::Small && spec.bad_rate > 0.0 {
            writer.set_bad_rate(agencies::BAD_ROW_RATE_SMALL);
        }
        feeds_open.push(writer);
    }
    let truth = EntityTruth::create(&truth_dir.join(truth::ENTITIES_FILE))?;
    let mut patterns = BufWriter::new(feeds::create(&truth_dir.join(truth::MONEY_PATTERNS_FILE))?);
    let mut clusters = BufWriter::new(feeds::create(
        &truth_dir.join(truth::OVERDOSE_CLUSTERS_FILE),
    )?);
    let header_error = |source| io_error(&truth_dir, source);
    patterns
        .write_all(b"pattern_id,pattern_type,ring_id,agency,feed,source_record_id\n")
        .map_err(header_error)?;
    clusters
        .write_all(b"cluster_id,county_fips,window_start,window_end,dealer_true_id,fingerprint_true_id,agency,feed,source_record_id\n")
        .map_err(header_error)?;
    let day_weights = growth_weights(config.start, config.days);
    let mut sim = Sim {
        seed: config.seed,
        start: config.start,
        days: config.days,
        volumes,
        world,
        feeds: feeds_open,
        truth,
        patterns,
        clusters,
        truth_dir: truth_dir.clone(),
        row: RowBuf::default(),
        rng: Streams {
            world: world_rng,
            calls: stream(config.seed, 2),
            ring: stream(config.seed, 3),
            money: stream(config.seed, 4),
            parcels: stream(config.seed, 5),
            justice: stream(config.seed, 6),
            health: stream(config.seed, 7),
            plans: stream(config.seed, 8),
        },
        next_event: 1,
        next_pattern: 1,
        next_cluster: 1,
        day_weights,
        rows_written: 0,
        rows_expected: volumes.expected_rows(),
        last_progress: 0,
        progress,
        operations: Vec::new(),
        parcel_origins: Weighted::new(
            tables::PARCEL_ORIGINS
                .iter()
                .enumerate()
                .map(|(index, origin)| (index, origin.3)),
        ),
    };
    sim.run()?;
    sim.finish(config, out)
}

/// Per-day weights with mean one, following California's fentanyl deaths by year
/// (SPEC: 434, 746, 1,783, 2,426, 3,244 for 2016–2020), log-linear between mid-years.
fn growth_weights(start: NaiveDate, days: u32) -> Vec<f64> {
    const DEATHS: [(f64, f64); 5] = [
        (2016.5, 434.0),
        (2017.5, 746.0),
        (2018.5, 1783.0),
        (2019.5, 2426.0),
        (2020.5, 3244.0),
    ];
    let level = |year: f64| -> f64 {
        let (first, last) = (DEATHS[0], DEATHS[DEATHS.len() - 1]);
        if year <= first.0 {
            // Before the series: the 2016–2017 growth rate, backwards.
            return first.1 * (746.0f64 / 434.0).powf(year - first.0);
        }
        if year >= last.0 {
            return last.1 * (3244.0f64 / 2426.0).powf(year - last.0);
        }
        let segment = DEATHS
            .windows(2)
            .find(|pair| year <= pair[1].0)
            .unwrap_or(&DEATHS[3..5]);
        let fraction = (year - segment[0].0) / (segment[1].0 - segment[0].0);
        (segment[0].1.ln() * (1.0 - fraction) + segment[1].1.ln() * fraction).exp()
    };
    let weights: Vec<f64> = (0..days)
        .map(|day| {
            let date = start + chrono::Duration::days(i64::from(day));
            level(f64::from(date.year()) + f64::from(date.ordinal0()) / 365.25)
        })
        .collect();
    let mean = weights.iter().sum::<f64>() / weights.len().max(1) as f64;
    weights.into_iter().map(|weight| weight / mean).collect()
}

fn poisson(lambda: f64, rng: &mut ChaCha8Rng) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < 1e-3 {
        return u64::from(rng.random_bool(lambda));
    }
    Poisson::new(lambda)
        .map(|poisson| poisson.sample(rng) as u64)
        .unwrap_or(0)
}

fn hex_of(value: u64, text: &mut String) {
    let _ = write!(text, "{value:016x}");
}

/// One kind of innocent background event: how many over the run, how they spread over
/// the days, which random stream draws their daily count, and how to write one.
struct BackgroundKind<'a> {
    total: f64,
    pace: Pace,
    stream: fn(&mut Streams) -> &mut ChaCha8Rng,
    emit: fn(&mut Sim<'a>, u32) -> Result<(), SimulationError>,
}

#[derive(Clone, Copy)]
enum Pace {
    /// The same expected count every day.
    Flat,
    /// Following the overdose growth curve (seizures and overdoses track supply).
    GrowthCurve,
}

impl<'a> Sim<'a> {
    /// The background kinds in the order their counts are drawn each day; the order is
    /// part of the output's determinism.
    fn background_kinds(&self) -> [BackgroundKind<'a>; 10] {
        let volumes = self.volumes;
        let kind = |total, pace, stream, emit: fn(&mut Sim<'a>, u32) -> _| BackgroundKind {
            total,
            pace,
            stream,
            emit,
        };
        [
            kind(
                volumes.bg_calls,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.calls,
                Sim::background_call,
            ),
            kind(
                volumes.bg_transfers,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.money,
                Sim::background_transfer,
            ),
            kind(
                volumes.bg_cash,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.money,
                Sim::background_cash_deposit,
            ),
            kind(
                volumes.bg_crypto,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.money,
                Sim::background_crypto,
            ),
            kind(
                volumes.bg_sars,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.money,
                Sim::background_sar,
            ),
            kind(
                volumes.bg_parcels,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.parcels,
                Sim::background_parcel,
            ),
            kind(
                volumes.bg_precursors,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.parcels,
                Sim::background_precursor,
            ),
            kind(
                volumes.bg_arrests,
                Pace::Flat,
                |rng: &mut Streams| &mut rng.justice,
                Sim::background_arrest,
            ),
            kind(
                volumes.bg_seizures,
                Pace::GrowthCurve,
                |rng: &mut Streams| &mut rng.justice,
                Sim::background_seizure,
            ),
            kind(
                volumes.bg_overdoses,
                Pace::GrowthCurve,
                |rng: &mut Streams| &mut rng.health,
                Sim::background_overdose,
            ),
        ]
    }
}

impl Sim<'_> {
    fn run(&mut self) -> Result<(), SimulationError> {
        let agenda = self.plan_agenda();
        self.plan_operations()?;
        self.open_subject_files()?;
        let volumes = self.volumes;
        let days = f64::from(self.days);
        for day in 0..self.days {
            let weight = self.day_weights[day as usize];
            for event in &agenda[day as usize] {
                self.agenda_event(day, *event)?;
            }
            for ring in 0..self.world.rings.len() as u32 {
                let calls = poisson(volumes.ring_calls * weight / days, &mut self.rng.ring);
                for _ in 0..calls {
                    self.ring_call(day, ring)?;
                }
            }
            for background in self.background_kinds() {
                let rate = match background.pace {
                    Pace::Flat => background.total / days,
                    Pace::GrowthCurve => background.total * weight / days,
                };
                let count = poisson(rate, (background.stream)(&mut self.rng));
                for _ in 0..count {
                    (background.emit)(self, day)?;
                }
            }
        }
        // The sheriff's export died while writing its last line.
        self.truncated_booking()?;
        Ok(())
    }

    /// Draws each ring's events over the days, following the growth curve, and the
    /// presses' imports, registrations and transfers.
    fn plan_agenda(&mut self) -> Vec<Vec<Agenda>> {
        let mut agenda = vec![Vec::new(); self.days as usize];
        let day_table = Weighted::new(
            self.day_weights
                .iter()
                .enumerate()
                .map(|(day, weight)| (day as u32, (weight * 1000.0) as u32)),
        );
        let rng = &mut self.rng.plans;
        for ring in 0..self.world.rings.len() as u32 {
            for &(event, expected) in RING_EVENTS {
                let count = poisson(expected * self.volumes.ring_scale, rng);
                for _ in 0..count {
                    let day = day_table.sample(rng);
                    agenda[day as usize].push(Agenda::Ring(ring, event));
                }
            }
        }
        let early = (self.days / 2).max(1);
        for press in 0..self.world.presses.len() as u32 {
            let import_day = rng.random_range(0..early);
            agenda[import_day as usize].push(Agenda::PressImport(press));
            let press_entry = &self.world.presses[press as usize];
            if press_entry.registered {
                let registration_day = (import_day + rng.random_range(3..40)).min(self.days - 1);
                agenda[registration_day as usize].push(Agenda::PressRegistration(press));
                let transferred = press_entry.diverted_to != NONE || rng.random_bool(0.25);
                if transferred {
                    let transfer_day = rng.random_range(registration_day..self.days);
                    agenda[transfer_day as usize].push(Agenda::PressTransfer(press));
                }
            }
        }
        agenda
    }

    fn agenda_event(&mut self, day: u32, event: Agenda) -> Result<(), SimulationError> {
        match event {
            Agenda::Ring(ring, event) => match event {
                RingEvent::Parcel => self.ring_parcel(day, ring),
                RingEvent::Precursor => self.ring_precursor(day, ring),
                RingEvent::Arrest => self.ring_arrest(day, ring),
                RingEvent::StreetSeizure => self.ring_street_seizure(day, ring),
                RingEvent::MidSeizure => self.ring_dea_seizure(day, ring, false),
                RingEvent::BulkSeizure => self.ring_dea_seizure(day, ring, true),
                RingEvent::Overdose => self.ring_overdose(day, ring),
                RingEvent::Cluster => self.overdose_cluster(day, ring),
                RingEvent::Structuring => self.structuring(day, ring),
                RingEvent::Funnel => self.funnel(day, ring),
                RingEvent::Cycle => self.cycle(day, ring),
                RingEvent::PassThrough => self.pass_through(day, ring),
                RingEvent::CryptoHops => self.crypto_hops(day, ring),
                RingEvent::FrontDeposits => self.front_deposits(day, ring),
                RingEvent::Payments => self.ring_payments(day, ring),
            },
            Agenda::PressImport(press) => self.press_import(day, press),
            Agenda::PressRegistration(press) => self.press_registration(day, press),
            Agenda::PressTransfer(press) => self.press_transfer(day, press),
        }
    }

    // ------------------------------------------------------------------ writing

    fn emit(
        &mut self,
        feed: FeedId,
        entities: &[RowEntity],
        ring: u32,
        may_corrupt: bool,
    ) -> Result<(), SimulationError> {
        let ring = (ring != NONE).then_some(ring);
        self.feeds[feed as usize].emit(&self.row, entities, ring, may_corrupt, &mut self.truth)?;
        self.rows_written += 1;
        if self.rows_written - self.last_progress >= 10_000 {
            self.last_progress = self.rows_written;
            (self.progress)(SimulationProgress {
                rows_written: self.rows_written,
                rows_expected: self.rows_expected.max(self.rows_written),
            });
        }
        Ok(())
    }

    /// The row id just written to a feed's row buffer (its id column).
    fn row_id(&self, feed: FeedId) -> String {
        self.row.get(agencies::spec(feed).id_column).to_string()
    }

    fn event_id(&mut self) -> u64 {
        self.next_event += 1;
        self.next_event
    }

    fn date(&self, day: u32) -> NaiveDate {
        self.start + chrono::Duration::days(i64::from(day))
    }

    fn stable_rng(&self, salt: u64, id: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(mix(
            self.seed ^ mix(salt.wrapping_mul(0x1000_0000_0000_0001) ^ id)
        ))
    }

    fn write_pattern(
        &mut self,
        pattern: u32,
        kind: &str,
        ring: u32,
        feed: FeedId,
        record: &str,
    ) -> Result<(), SimulationError> {
        let spec = agencies::spec(feed);
        writeln!(
            self.patterns,
            "ML{pattern:05},{kind},R{ring:03},{},{},{record}",
            spec.agency, spec.feed
        )
        .map_err(|source| io_error(&self.truth_dir, source))
    }

    // ------------------------------------------------------------------ rendering

    fn org_name(&self, org: u32) -> String {
        let entry = &self.world.orgs[org as usize];
        let mut name = format!(
            "{} {}",
            tables::BUSINESS_WORDS[entry.word as usize],
            tables::BUSINESS_TYPES[entry.business as usize]
        );
        let form = tables::BUSINESS_FORMS[entry.form as usize];
        if !form.is_empty() {
            name.push(' ');
            name.push_str(form);
        }
        name
    }

    /// An organisation's name as a clerk writes it: case, punctuation and form vary.
    fn org_name_noisy(&self, org: u32, rng: &mut ChaCha8Rng) -> String {
        let name = self.org_name(org);
        match rng.random_range(0..6) {
            0 => name.to_uppercase(),
            1 => name.replace(" LLC", ", LLC").replace(" Inc", ", Inc."),
            2 => name
                .trim_end_matches(" LLC")
                .trim_end_matches(" Inc")
                .trim_end_matches(" Corp")
                .trim_end_matches(" Co")
                .to_string(),
            3 if rng.random_bool(0.3) => noise::typo(&name, rng),
            _ => name,
        }
    }

    fn owner_true_id(&self, owner: Owner) -> TrueId {
        match owner {
            Owner::Person(person) if person != NONE => TrueId::Person(person),
            Owner::Org(org) => TrueId::Org(org),
            Owner::Person(_) => TrueId::Text(String::new()),
        }
    }

    fn owner_name(&self, owner: Owner, rng: &mut ChaCha8Rng) -> String {
        match owner {
            Owner::Person(person) if person != NONE => {
                let parts =
                    noise::render_name(&self.world.people[person as usize], Noise::CAREFUL, rng);
                noise::fold_accents(&parts.first_last()).to_uppercase()
            }
            Owner::Org(org) => self.org_name(org).to_uppercase(),
            Owner::Person(_) => String::new(),
        }
    }

    fn write_address_line(
        &self,
        text: &mut String,
        address: u32,
        style: AddressStyle,
        rng: &mut ChaCha8Rng,
    ) {
        let entry = &self.world.addresses[address as usize];
        noise::write_street(text, entry, style, rng);
        let county = self.world.county(entry.county);
        let city = tables::cities(county.fips)[entry.city as usize];
        let _ = match style {
            AddressStyle::AbbreviatedUpper => {
                write!(text, ", {} CA {}", city.to_uppercase(), entry.zip)
            }
            _ => write!(text, ", {city}, CA {}", entry.zip),
        };
    }

    fn wallet_address(&self, wallet: u32) -> String {
        let seed = self.world.wallets[wallet as usize].seed;
        let mut text = String::from("bc1q");
        const ALPHABET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        let mut value = seed;
        let mut second = mix(seed);
        for index in 0..38 {
            if index == 12 {
                value = second;
                second = mix(second);
            } else if index == 25 {
                value = second;
            }
            text.push(char::from(ALPHABET[(value & 31) as usize]));
            value >>= 5;
        }
        text
    }

    fn carrier(&self, phone: u32) -> &'static str {
        let entry = &self.world.phones[phone as usize];
        let pick = mix(entry.number ^ SALT_CARRIER) as usize;
        if entry.prepaid {
            ["Metro by T-Mobile", "Cricket", "Boost Mobile", "TracFone"][pick % 4]
        } else {
            [
                "T-Mobile",
                "Verizon Wireless",
                "AT&T Mobility",
                "Verizon Wireless",
            ][pick % 4]
        }
    }

    fn phone_e164(&self, phone: u32) -> String {
        let mut text = String::with_capacity(12);
        noise::write_phone(
            &mut text,
            self.world.phones[phone as usize].number,
            PhoneStyle::E164,
        );
        text
    }

    // ------------------------------------------------------------------ communications

    #[allow(clippy::too_many_arguments)]
    fn write_call(
        &mut self,
        day: u32,
        from_phone: u32,
        to_phone: u32,
        sms: bool,
        ring: u32,
        predicate: &str,
        case: &str,
    ) -> Result<(), SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let rng = if ring == NONE {
            &mut self.rng.calls
        } else {
            &mut self.rng.ring
        };
        let second = daytime_second(rng);
        let duration = if sms {
            0
        } else {
            (rng.random::<f64>().max(1e-9).ln() * -110.0) as u32 + 3
        };
        let from_number = self.world.phones[from_phone as usize].number;
        let to_number = self.world.phones[to_phone as usize].number;
        let from_carrier = self.carrier(from_phone);
        let to_carrier = self.carrier(to_phone);
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("TL{id:010}"));
        row.with(|text| {
            let _ = write!(
                text,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}-08:00",
                date.year(),
                date.month(),
                date.day(),
                second / 3600,
                second / 60 % 60,
                second % 60
            );
        });
        row.push(duration);
        row.push_str(if sms { "SMS" } else { "VOICE" });
        row.with(|text| noise::write_phone(text, from_number, PhoneStyle::E164));
        row.push_str(from_carrier);
        row.with(|text| noise::write_phone(text, to_number, PhoneStyle::E164));
        row.push_str(to_carrier);
        row.push_str(case);
        row.push_str(predicate);
        let from_owner = self.world.phones[from_phone as usize].owner;
        let _ = from_owner;
        self.emit(
            FeedId::DeaTolls,
            &[
                ("call", "Communication", TrueId::Event("CM", id)),
                ("a", "Phone", TrueId::Phone(from_phone)),
                ("b", "Phone", TrueId::Phone(to_phone)),
            ],
            ring,
            ring == NONE,
        )
    }

    fn background_call(&mut self, day: u32) -> Result<(), SimulationError> {
        let people = self.world.people.len() as u32;
        let rng = &mut self.rng.calls;
        let caller = rng.random_range(0..people);
        // Most calls stay within a neighbourhood of the population (households are adjacent).
        let callee = if rng.random_bool(0.8) {
            (caller + rng.random_range(1..60)) % people
        } else {
            rng.random_range(0..people)
        };
        let sms = rng.random_bool(0.4);
        let case_number = rng.random_range(1..400);
        let (from, to) = if rng.random_bool(0.5) {
            (caller, callee)
        } else {
            (callee, caller)
        };
        let from_phone = self.world.people[from as usize].phone;
        let to_phone = self.world.people[to as usize].phone;
        let case = format!("DEA-SF-{:04}", case_number);
        self.write_call(
            day,
            from_phone,
            to_phone,
            sms,
            NONE,
            "toll records of a line in contact with a case target (21 USC 841)",
            &case,
        )
    }

    /// Calls along the hierarchy: orders flow down (calls), reports flow up (texts); dealers
    /// also talk to customers.
    fn ring_call(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let ring_entry = &self.world.rings[ring as usize];
        let rng = &mut self.rng.ring;
        let members = ring_entry.members.len();
        let member_index = rng.random_range(1..members);
        let member = &ring_entry.members[member_index];
        let person = &self.world.people[member.person as usize];
        let sms = rng.random_bool(0.45);
        let phone_of = |person_index: u32, rng: &mut ChaCha8Rng| {
            let entry = &self.world.people[person_index as usize];
            if entry.burner != NONE && rng.random_bool(0.65) {
                entry.burner
            } else {
                entry.phone
            }
        };
        let (from, to) = if member.role == Role::Dealer && rng.random_bool(0.35) {
            let customer = rng.random_range(0..self.world.people.len() as u32);
            let dealer_phone = phone_of(member.person, rng);
            let customer_phone = self.world.people[customer as usize].phone;
            if rng.random_bool(0.6) {
                (customer_phone, dealer_phone)
            } else {
                (dealer_phone, customer_phone)
            }
        } else {
            let boss = if member.role == Role::Courier && rng.random_bool(0.3) {
                // Couriers deliver to a stash house.
                ring_entry
                    .with_role(Role::Hub)
                    .next()
                    .map_or(member.boss, |(index, _)| index as u32)
            } else if member.role == Role::Supplier && rng.random_bool(0.2) {
                ring_entry
                    .with_role(Role::MoneyHandler)
                    .next()
                    .map_or(member.boss, |(index, _)| index as u32)
            } else {
                member.boss
            };
            let boss_person = ring_entry.members[boss as usize].person;
            let down = if sms {
                rng.random_bool(0.35)
            } else {
                rng.random_bool(0.65)
            };
            let member_phone = phone_of(member.person, rng);
            let boss_phone = phone_of(boss_person, rng);
            if down {
                (boss_phone, member_phone)
            } else {
                (member_phone, boss_phone)
            }
        };
        let _ = person;
        let case = format!("DEA-LA-{:04}", 100 + ring);
        self.write_call(
            day,
            from,
            to,
            sms,
            ring,
            "title III / pen register on lines of a suspected fentanyl distribution organisation (21 USC 846)",
            &case,
        )
    }

    // ------------------------------------------------------------------ money

    #[allow(clippy::too_many_arguments)]
    fn write_transfer(
        &mut self,
        day: u32,
        second: u32,
        from_account: u32,
        to_account: u32,
        amount: f64,
        kind: &str,
        memo: &str,
        ring: u32,
    ) -> Result<String, SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let from = self.world.accounts[from_account as usize].clone();
        let to = self.world.accounts[to_account as usize].clone();
        let from_name = self.owner_name(
            from.owner,
            &mut self.stable_rng(SALT_BANK, u64::from(from_account)),
        );
        let to_name = self.owner_name(
            to.owner,
            &mut self.stable_rng(SALT_BANK, u64::from(to_account)),
        );
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("TX{id:010}"));
        let utc_second = second + 8 * 3600;
        let utc_date = date + chrono::Duration::days(i64::from(utc_second / 86_400));
        let utc_second = utc_second % 86_400;
        row.push(format_args!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            utc_date.year(),
            utc_date.month(),
            utc_date.day(),
            utc_second / 3600,
            utc_second / 60 % 60,
            utc_second % 60
        ));
        row.push(from.number);
        row.push_str(tables::BANKS[from.bank as usize]);
        row.push_str(&from_name);
        row.push(to.number);
        row.push_str(tables::BANKS[to.bank as usize]);
        row.push_str(&to_name);
        row.push(format_args!("{amount:.2}"));
        row.push_str("USD");
        row.push_str(kind);
        row.push_str(memo);
        let record = self.row_id(FeedId::FiuTransfers);
        self.emit(
            FeedId::FiuTransfers,
            &[
                ("transfer", "MoneyTransfer", TrueId::Event("MT", id)),
                ("orig", "BankAccount", TrueId::Account(from_account)),
                ("benef", "BankAccount", TrueId::Account(to_account)),
            ],
            ring,
            ring == NONE,
        )?;
        Ok(record)
    }

    fn background_transfer(&mut self, day: u32) -> Result<(), SimulationError> {
        let accounts = self.world.accounts.len() as u32;
        let rng = &mut self.rng.money;
        let from = rng.random_range(0..accounts);
        let to = if rng.random_bool(0.7) {
            (from + rng.random_range(1..80)) % accounts
        } else {
            rng.random_range(0..accounts)
        };
        let amount = log_normal(5.0, 1.2, rng).min(250_000.0) + 1.0;
        let kind =
            ["ACH", "ZELLE", "ZELLE", "VENMO", "WIRE", "CHECK", "ACH"][rng.random_range(0..7)];
        let memo = [
            "rent",
            "",
            "dinner",
            "invoice",
            "",
            "loan",
            "gift",
            "utilities",
            "payroll",
            "",
        ][rng.random_range(0..10)];
        let second = daytime_second(rng);
        self.write_transfer(day, second, from, to, amount, kind, memo, NONE)
            .map(|_| ())
    }

    #[allow(clippy::too_many_arguments)]
    fn write_cash_deposit(
        &mut self,
        day: u32,
        conductor: u32,
        account: u32,
        amount: f64,
        ring: u32,
        noise_level: Noise,
        rng_kind: u8,
    ) -> Result<String, SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let account_entry = self.world.accounts[account as usize].clone();
        let holder = self.owner_name(
            account_entry.owner,
            &mut self.stable_rng(SALT_BANK, u64::from(account)),
        );
        let person = self.world.people[conductor as usize].clone();
        let rng = if rng_kind == 0 {
            &mut self.rng.money
        } else {
            &mut self.rng.ring
        };
        let parts = noise::render_name(&person, noise_level, rng);
        let birth = noise::render_birth(person.birth, noise_level, rng);
        let second = rng.random_range(9 * 3600..17 * 3600);
        let branch = rng.random_range(1..400);
        let license = if rng.random_bool(noise_level.typo / 3.0) {
            person.license + 1
        } else {
            person.license
        };
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("CTR{id:09}"));
        row.push(format_args!(
            "{:04}{:02}{:02}",
            date.year(),
            date.month(),
            date.day()
        ));
        row.push(format_args!("{:02}{:02}", second / 3600, second / 60 % 60));
        row.push(format_args!(
            "{} #{branch}",
            tables::BANKS[account_entry.bank as usize]
        ));
        row.push_str(&noise::fold_accents(&parts.first_last()));
        match birth {
            Some(birth) => row.push(format_args!(
                "{:02}/{:02}/{:04}",
                birth.month(),
                birth.day(),
                birth.year()
            )),
            None => row.empty(),
        };
        row.push_str("CA DL");
        row.push(format_args!("D{license:07}"));
        row.push(account_entry.number);
        row.push_str(tables::BANKS[account_entry.bank as usize]);
        row.push_str(&holder);
        row.push(format_args!("{amount:.2}"));
        let record = self.row_id(FeedId::FiuCashDeposits);
        self.emit(
            FeedId::FiuCashDeposits,
            &[
                ("deposit", "MoneyTransfer", TrueId::Event("MT", id)),
                ("conductor", "Person", TrueId::Person(conductor)),
                ("account", "BankAccount", TrueId::Account(account)),
            ],
            ring,
            ring == NONE,
        )?;
        Ok(record)
    }

    fn background_cash_deposit(&mut self, day: u32) -> Result<(), SimulationError> {
        let rng = &mut self.rng.money;
        // Small businesses deposit takings; people deposit pay cheques in cash.
        let (conductor, account, amount) =
            if rng.random_bool(0.5) && !self.world.companies.is_empty() {
                let org = self.world.companies[rng.random_range(0..self.world.companies.len())];
                let org_entry = &self.world.orgs[org as usize];
                let amount = log_normal(7.5, 0.8, rng);
                (org_entry.owner, org_entry.account, amount)
            } else {
                let person = rng.random_range(0..self.world.people.len() as u32);
                let account = self.world.people[person as usize].account;
                let amount = log_normal(6.0, 0.9, rng);
                (person, account, amount)
            };
        if account == NONE {
            return Ok(());
        }
        self.write_cash_deposit(
            day,
            conductor,
            account,
            (amount * 100.0).round() / 100.0,
            NONE,
            Noise::ORDINARY,
            0,
        )
        .map(|_| ())
    }

    fn write_crypto(
        &mut self,
        day: u32,
        second: u32,
        from_wallet: u32,
        to_wallet: u32,
        usd: f64,
        ring: u32,
    ) -> Result<String, SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let from_address = self.wallet_address(from_wallet);
        let to_address = self.wallet_address(to_wallet);
        let from_exchange =
            tables::CRYPTO_EXCHANGES[self.world.wallets[from_wallet as usize].exchange as usize];
        let to_exchange =
            tables::CRYPTO_EXCHANGES[self.world.wallets[to_wallet as usize].exchange as usize];
        let utc_second = second + 8 * 3600;
        let utc_date = date + chrono::Duration::days(i64::from(utc_second / 86_400));
        let utc_second = utc_second % 86_400;
        // Roughly the 2016–2020 bitcoin price band, for the native amount.
        let price = 1_000.0 + 9_000.0 * f64::from(day) / f64::from(self.days.max(1));
        let seed = self.seed;
        let row = &mut self.row;
        row.clear();
        row.with(|text| {
            for part in 0..4u64 {
                hex_of(mix(seed ^ mix(id.wrapping_mul(4) + part)), text);
            }
        });
        row.push(format_args!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            utc_date.year(),
            utc_date.month(),
            utc_date.day(),
            utc_second / 3600,
            utc_second / 60 % 60,
            utc_second % 60
        ));
        row.push_str("BTC");
        row.push_str(&from_address);
        row.push_str(from_exchange);
        row.push_str(&to_address);
        row.push_str(to_exchange);
        row.push(format_args!("{:.8}", usd / price));
        row.push(format_args!("{usd:.2}"));
        let record = self.row_id(FeedId::FiuCrypto);
        self.emit(
            FeedId::FiuCrypto,
            &[
                ("tx", "MoneyTransfer", TrueId::Event("MT", id)),
                ("from", "CryptoWallet", TrueId::Wallet(from_wallet)),
                ("to", "CryptoWallet", TrueId::Wallet(to_wallet)),
            ],
            ring,
            ring == NONE,
        )?;
        Ok(record)
    }

    fn background_crypto(&mut self, day: u32) -> Result<(), SimulationError> {
        let rng = &mut self.rng.money;
        if self.world.wallets.len() < 2 || rng.random_bool(0.02) {
            let owner = rng.random_range(0..self.world.people.len() as u32);
            self.world.new_wallet(Owner::Person(owner), rng);
        }
        let wallets = self.world.wallets.len() as u32;
        let from = rng.random_range(0..wallets);
        let to = (from + rng.random_range(1..wallets.max(2))) % wallets;
        let usd = log_normal(5.5, 1.5, rng);
        let second = rng.random_range(0..86_400);
        self.write_crypto(day, second, from, to, usd, NONE)
            .map(|_| ())
    }

    fn member_account(&mut self, person: u32) -> u32 {
        if self.world.people[person as usize].account == NONE {
            let account = self.world.accounts.len() as u32;
            let rng = &mut self.rng.ring;
            self.world.accounts.push(crate::world::Account {
                number: rng.random_range(1_000_000_000u64..99_999_999_999),
                bank: rng.random_range(0..tables::BANKS.len()) as u8,
                owner: Owner::Person(person),
            });
            self.world.people[person as usize].account = account;
        }
        self.world.people[person as usize].account
    }

    fn members_with_role(&self, ring: u32, role: Role) -> Vec<u32> {
        self.world.rings[ring as usize]
            .with_role(role)
            .map(|(_, member)| member.person)
            .collect()
    }

    fn pick(&mut self, items: &[u32]) -> u32 {
        items[self.rng.ring.random_range(0..items.len())]
    }

    /// Structuring: cash deposits just under the $10,000 reporting threshold, spread over
    /// days and conductors ("smurfs"), into a front business's account.
    fn structuring(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let pattern = self.next_pattern();
        let fronts = self.world.rings[ring as usize].fronts.clone();
        let front = self.pick(&fronts);
        let account = self.world.orgs[front as usize].account;
        let mut conductors = self.members_with_role(ring, Role::MoneyHandler);
        conductors.extend(
            self.members_with_role(ring, Role::Dealer)
                .into_iter()
                .take(3),
        );
        let deposits = self.rng.ring.random_range(4..=9);
        let mut total = 0.0;
        for _ in 0..deposits {
            let conductor = self.pick(&conductors);
            let offset = self.rng.ring.random_range(0..10);
            let amount = f64::from(self.rng.ring.random_range(8_000..9_990))
                + f64::from(self.rng.ring.random_range(0..100)) / 100.0;
            total += amount;
            let record = self.write_cash_deposit(
                day + offset,
                conductor,
                account,
                amount,
                ring,
                Noise::ORDINARY,
                1,
            )?;
            self.write_pattern(
                pattern,
                "structuring",
                ring,
                FeedId::FiuCashDeposits,
                &record,
            )?;
        }
        if self.rng.ring.random_bool(0.6) {
            let handler = self.members_with_role(ring, Role::MoneyHandler)[0];
            self.write_sar(
                day + 30,
                handler,
                account,
                Some(front),
                "structuring",
                total,
                ring,
            )?;
        }
        Ok(())
    }

    fn next_pattern(&mut self) -> u32 {
        self.next_pattern += 1;
        self.next_pattern - 1
    }

    /// Funnel account: many accounts in different places pay into one (fan-in), which then
    /// pays out to a few within days (fan-out).
    fn funnel(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let pattern = self.next_pattern();
        let handler = self.members_with_role(ring, Role::MoneyHandler)[0];
        let funnel_account = self.member_account(handler);
        let mut feeders = self.members_with_role(ring, Role::Dealer);
        feeders.extend(self.members_with_role(ring, Role::Supplier));
        let count = self.rng.ring.random_range(5..=12).min(feeders.len().max(1));
        let mut total = 0.0;
        for index in 0..count {
            let feeder = feeders[index % feeders.len()];
            let account = self.member_account(feeder);
            let amount = f64::from(self.rng.ring.random_range(1_500..7_000));
            total += amount;
            let second = daytime_second(&mut self.rng.ring);
            let offset = self.rng.ring.random_range(0..4);
            let record = self.write_transfer(
                day + offset,
                second,
                account,
                funnel_account,
                amount,
                "ZELLE",
                "",
                ring,
            )?;
            self.write_pattern(pattern, "funnel_in", ring, FeedId::FiuTransfers, &record)?;
        }
        let mut outs = self.members_with_role(ring, Role::Importer);
        outs.push(self.members_with_role(ring, Role::Leader)[0]);
        for (index, &out) in outs.iter().enumerate() {
            let account = self.member_account(out);
            let amount = (total * 0.9 / outs.len() as f64 * 100.0).round() / 100.0;
            let second = daytime_second(&mut self.rng.ring);
            let record = self.write_transfer(
                day + 4 + index as u32,
                second,
                funnel_account,
                account,
                amount,
                "WIRE",
                "consulting",
                ring,
            )?;
            self.write_pattern(pattern, "funnel_out", ring, FeedId::FiuTransfers, &record)?;
        }
        Ok(())
    }

    /// A cycle: money goes round fronts and the handler and comes back, less fees.
    fn cycle(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let pattern = self.next_pattern();
        let fronts = self.world.rings[ring as usize].fronts.clone();
        let handler = self.members_with_role(ring, Role::MoneyHandler)[0];
        let mut accounts: Vec<u32> = fronts
            .iter()
            .map(|front| self.world.orgs[*front as usize].account)
            .collect();
        accounts.push(self.member_account(handler));
        if accounts.len() < 3 {
            let leader = self.members_with_role(ring, Role::Leader)[0];
            accounts.push(self.member_account(leader));
        }
        let mut amount = f64::from(self.rng.ring.random_range(20_000..80_000));
        for index in 0..accounts.len() {
            let from = accounts[index];
            let to = accounts[(index + 1) % accounts.len()];
            let second = daytime_second(&mut self.rng.ring);
            let record = self.write_transfer(
                day + index as u32,
                second,
                from,
                to,
                amount,
                "WIRE",
                "invoice",
                ring,
            )?;
            self.write_pattern(pattern, "cycle", ring, FeedId::FiuTransfers, &record)?;
            amount = (amount * self.rng.ring.random_range(0.97..0.995) * 100.0).round() / 100.0;
        }
        Ok(())
    }

    /// Rapid pass-through: money arrives and leaves the same account within hours.
    fn pass_through(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let pattern = self.next_pattern();
        let suppliers = self.members_with_role(ring, Role::Supplier);
        let supplier = self.pick(&suppliers);
        let couriers = self.members_with_role(ring, Role::Courier);
        let courier = self.pick(&couriers);
        let importers = self.members_with_role(ring, Role::Importer);
        let importer = self.pick(&importers);
        let (source, middle, sink) = (
            self.member_account(supplier),
            self.member_account(courier),
            self.member_account(importer),
        );
        let amount = f64::from(self.rng.ring.random_range(5_000..40_000));
        let second = self.rng.ring.random_range(8 * 3600..14 * 3600);
        let record = self.write_transfer(day, second, source, middle, amount, "WIRE", "", ring)?;
        self.write_pattern(
            pattern,
            "rapid_pass_through",
            ring,
            FeedId::FiuTransfers,
            &record,
        )?;
        let out = (amount * self.rng.ring.random_range(0.97..0.995) * 100.0).round() / 100.0;
        let later = second + self.rng.ring.random_range(1800..6 * 3600);
        let record = self.write_transfer(day, later, middle, sink, out, "WIRE", "", ring)?;
        self.write_pattern(
            pattern,
            "rapid_pass_through",
            ring,
            FeedId::FiuTransfers,
            &record,
        )
    }

    /// Crypto hops: the handler's wallet pays the overseas supplier through fresh wallets.
    fn crypto_hops(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let pattern = self.next_pattern();
        let wallets = self.world.rings[ring as usize].wallets.clone();
        let start = wallets[0];
        let overseas = wallets[wallets.len() - 1];
        let hops = self.rng.ring.random_range(2..=5);
        let mut chain = vec![start];
        for _ in 0..hops {
            let handler = self.members_with_role(ring, Role::MoneyHandler)[0];
            let wallet = self
                .world
                .new_wallet(Owner::Person(handler), &mut self.rng.ring);
            self.world.wallets[wallet as usize].exchange = 4; // unhosted
            chain.push(wallet);
        }
        chain.push(overseas);
        let mut usd = f64::from(self.rng.ring.random_range(10_000..90_000));
        let mut second = self.rng.ring.random_range(0..40_000);
        for pair in chain.windows(2) {
            let record = self.write_crypto(day, second.min(86_399), pair[0], pair[1], usd, ring)?;
            self.write_pattern(pattern, "crypto_hops", ring, FeedId::FiuCrypto, &record)?;
            usd *= 0.995;
            second += self.rng.ring.random_range(300..5_000);
        }
        Ok(())
    }

    /// Front-business deposits: cash takings far above what such a business makes.
    fn front_deposits(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let pattern = self.next_pattern();
        let fronts = self.world.rings[ring as usize].fronts.clone();
        let front = self.pick(&fronts);
        let owner = self.world.orgs[front as usize].owner;
        let account = self.world.orgs[front as usize].account;
        for offset in 0..self.rng.ring.random_range(5..=10) {
            let amount = f64::from(self.rng.ring.random_range(12_000..45_000));
            let record = self.write_cash_deposit(
                day + offset,
                owner,
                account,
                amount,
                ring,
                Noise::CAREFUL,
                1,
            )?;
            self.write_pattern(
                pattern,
                "front_business_deposits",
                ring,
                FeedId::FiuCashDeposits,
                &record,
            )?;
        }
        Ok(())
    }

    /// Ordinary proceeds: dealers pay suppliers, suppliers the hub (not a typology).
    fn ring_payments(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let ring_entry = &self.world.rings[ring as usize];
        let candidates: Vec<(u32, u32)> = ring_entry
            .members
            .iter()
            .filter(|member| matches!(member.role, Role::Dealer | Role::Supplier))
            .map(|member| {
                (
                    member.person,
                    ring_entry.members[member.boss as usize].person,
                )
            })
            .collect();
        let (from, to) = candidates[self.rng.ring.random_range(0..candidates.len())];
        let (from_account, to_account) = (self.member_account(from), self.member_account(to));
        let amount = f64::from(self.rng.ring.random_range(200..3_000));
        let second = daytime_second(&mut self.rng.ring);
        let memo = ["", "food", "rent", "car", "lunch", "🍕"][self.rng.ring.random_range(0..6)];
        self.write_transfer(
            day,
            second,
            from_account,
            to_account,
            amount,
            "ZELLE",
            memo,
            ring,
        )
        .map(|_| ())
    }

    #[allow(clippy::too_many_arguments)]
    fn write_sar(
        &mut self,
        day: u32,
        subject: u32,
        account: u32,
        business: Option<u32>,
        activity: &str,
        total: f64,
        ring: u32,
    ) -> Result<(), SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let person = self.world.people[subject as usize].clone();
        let account_entry = self.world.accounts[account as usize].clone();
        let rng = &mut self.rng.money;
        let parts = noise::render_name(&person, Noise::CAREFUL, rng);
        let birth = noise::render_birth(person.birth, Noise::CAREFUL, rng);
        let phone = self.world.phones[person.phone as usize].number;
        let mut address = String::new();
        let mut address_rng = self.stable_rng(SALT_BANK, u64::from(subject));
        self.write_address_line(
            &mut address,
            person.address,
            AddressStyle::Abbreviated,
            &mut address_rng,
        );
        let business_name = business.map(|org| self.org_name(org)).unwrap_or_default();
        let ein = business.map(|org| {
            format!(
                "{}-{}",
                self.world.orgs[org as usize].ein / 10_000_000,
                self.world.orgs[org as usize].ein % 10_000_000
            )
        });
        let narrative = match activity {
            "structuring" => format!(
                "Customer made repeated cash deposits just below $10,000 totalling ${total:.0}; asked teller about reporting limits."
            ),
            "funnel" => format!(
                "Account received many deposits from out-of-area branches totalling ${total:.0}, withdrawn shortly after."
            ),
            _ => format!("Activity inconsistent with customer profile, ${total:.0}."),
        };
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("SAR-{id:08}"));
        row.push(format_args!(
            "{:02}/{:02}/{:04}",
            date.month(),
            date.day(),
            date.year()
        ));
        row.push_str(tables::BANKS[account_entry.bank as usize]);
        row.push_str(&noise::fold_accents(&parts.last_first_upper()));
        match birth {
            Some(birth) => row.push(format_args!(
                "{:02}/{:02}/{:04}",
                birth.month(),
                birth.day(),
                birth.year()
            )),
            None => row.empty(),
        };
        row.push_str(&address);
        row.with(|text| noise::write_phone(text, phone, PhoneStyle::Dashed));
        row.push(account_entry.number);
        row.push_str(&business_name);
        match &ein {
            Some(ein) => row.push_str(ein),
            None => row.empty(),
        };
        row.push_str(activity);
        row.push(format_args!("{total:.2}"));
        row.push_str(&narrative);
        let mut entities: Vec<RowEntity> = vec![
            ("subject", "Person", TrueId::Person(subject)),
            ("account", "BankAccount", TrueId::Account(account)),
            (
                "holds",
                "Ownership",
                TrueId::Text(format!("own:P{subject:07}:A{account:07}")),
            ),
        ];
        if let Some(org) = business {
            entities.push(("business", "Organization", TrueId::Org(org)));
        }
        self.emit(FeedId::FiuSar, &entities, ring, false)
    }

    fn background_sar(&mut self, day: u32) -> Result<(), SimulationError> {
        let rng = &mut self.rng.money;
        let person = rng.random_range(0..self.world.people.len() as u32);
        let account = self.world.people[person as usize].account;
        if account == NONE {
            return Ok(());
        }
        let total = f64::from(rng.random_range(5_000..60_000));
        let activity = ["unusual_cash", "structuring", "funnel"][rng.random_range(0..3)];
        self.write_sar(day, person, account, None, activity, total, NONE)
    }

    // ------------------------------------------------------------------ parcels and precursors

    #[allow(clippy::too_many_arguments)]
    fn write_parcel(
        &mut self,
        day: u32,
        consignee: u32,
        origin: usize,
        declared: f64,
        content: &str,
        weight_kg: f64,
        contraband: bool,
        ring: u32,
    ) -> Result<(), SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let person = self.world.people[consignee as usize].clone();
        let (country, code, port, _) = tables::PARCEL_ORIGINS[origin];
        let rng = &mut self.rng.parcels;
        let parts = noise::render_name(&person, Noise::SLOPPY, rng);
        let name = noise::fold_accents(&if rng.random_bool(0.5) {
            parts.first_last()
        } else {
            parts.last_first_upper()
        });
        let mut address = String::new();
        let style = if rng.random_bool(0.5) {
            AddressStyle::AbbreviatedUpper
        } else {
            AddressStyle::Full
        };
        let mut address_rng = ChaCha8Rng::seed_from_u64(rng.random());
        let phone = (rng.random_bool(0.6)).then(|| self.world.phones[person.phone as usize].number);
        // Advance electronic data came for about a third of international mail (2017).
        let advance_data = rng.random_bool(if ring == NONE { 0.36 } else { 0.2 });
        let examined = contraband || rng.random_bool(if advance_data { 0.03 } else { 0.015 });
        let carrier = [
            "EMS",
            "ePacket",
            "China Post",
            "DHL",
            "UPS",
            "FedEx",
            "USPS",
        ][rng.random_range(0..7)];
        let sender_word = tables::BUSINESS_WORDS[rng.random_range(0..tables::BUSINESS_WORDS.len())];
        let city = match code {
            "cn" => ["Shenzhen", "Guangzhou", "Wuhan", "Shanghai", "Yiwu"][rng.random_range(0..5)],
            "in" => ["Mumbai", "Hyderabad", "Delhi"][rng.random_range(0..3)],
            "mx" => ["Culiacan", "Tijuana", "Guadalajara"][rng.random_range(0..3)],
            "hk" => "Kowloon",
            _ => "",
        };
        let service = ["EA", "LX", "RB", "CP", "EE"][rng.random_range(0..5)];
        let tracking_digits = mix(self.seed ^ id) % 1_000_000_000;
        self.write_address_line(&mut address, person.address, style, &mut address_rng);
        let row = &mut self.row;
        row.clear();
        row.push(format_args!(
            "{service}{tracking_digits:09}{}",
            code.to_uppercase()
        ));
        row.push(format_args!(
            "{:02}-{}-{:04}",
            date.day(),
            month_abbreviation(date.month()),
            date.year()
        ));
        row.push_str(country);
        row.push(format_args!(
            "{sender_word} {} Trading Co",
            if city.is_empty() { "Global" } else { city }
        ));
        row.push(format_args!("{city} {}", country));
        row.push_str(&name);
        row.push_str(&address);
        match phone {
            Some(number) => row.with(|text| noise::write_phone(text, number, PhoneStyle::E164)),
            None => row.empty(),
        };
        row.push(format_args!("{declared:.2}"));
        row.push_str(content);
        row.push(format_args!("{weight_kg:.3}"));
        row.push_str(if advance_data { "Y" } else { "N" });
        row.push(format_args!(
            "{port}>USLAX>{}",
            if ring == NONE { "USSFO" } else { "USONT" }
        ));
        row.push_str(carrier);
        row.push_str(if examined { "Y" } else { "N" });
        row.push_str(match (examined, contraband) {
            (true, true) => "WHITE POWDER TESTED POSITIVE FENTANYL",
            (true, false) => "NO DISCREPANCY",
            _ => "",
        });
        row.push_str(if contraband { "Y" } else { "N" });
        self.emit(
            FeedId::CbpParcels,
            &[
                ("parcel", "Parcel", TrueId::Event("PC", id)),
                ("consignee", "Person", TrueId::Person(consignee)),
            ],
            ring,
            ring == NONE,
        )
    }

    fn background_parcel(&mut self, day: u32) -> Result<(), SimulationError> {
        let rng = &mut self.rng.parcels;
        let origin = self.parcel_origins.sample(rng);
        let consignee = rng.random_range(0..self.world.people.len() as u32);
        // De minimis: almost every parcel declares less than $800.
        let declared = log_normal(3.3, 1.0, rng).min(2_500.0);
        let content = [
            "CLOTHING",
            "PHONE CASE",
            "TOYS",
            "COSMETICS",
            "DOCUMENTS",
            "AUTO PARTS",
            "SUPPLEMENTS",
            "ELECTRONIC ACCESSORIES",
            "SHOES",
            "JEWELRY",
            "BOOKS",
            "HOUSEHOLD GOODS",
        ][rng.random_range(0..12)];
        let weight = rng.random_range(0.05..4.0);
        self.write_parcel(
            day, consignee, origin, declared, content, weight, false, NONE,
        )
    }

    /// Powder, pills or dies mailed to an importer, a courier, a relative at their address,
    /// or a made-up name at a stash house.
    fn ring_parcel(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let mut receivers = self.members_with_role(ring, Role::Importer);
        receivers.extend(self.members_with_role(ring, Role::Courier));
        let receiver = self.pick(&receivers);
        let rng = &mut self.rng.parcels;
        // A relative in the same household signs for it now and then.
        let consignee = {
            let neighbour = receiver + 1;
            let same_household = (neighbour as usize) < self.world.people.len()
                && self.world.people[neighbour as usize].address
                    == self.world.people[receiver as usize].address;
            if same_household && rng.random_bool(0.3) {
                neighbour
            } else {
                receiver
            }
        };
        let origin = match rng.random_range(0..10) {
            0..=5 => 0,
            6 => 1,
            7 => 2,
            _ => 3,
        };
        let declared = rng.random_range(18.0..760.0);
        let content = [
            "MACHINE PARTS",
            "PHONE ACCESSORIES",
            "CHEMICAL SAMPLE",
            "PIGMENT",
            "LED LIGHTS",
            "MOLD",
        ][rng.random_range(0..6)];
        let weight = rng.random_range(0.4..3.0);
        let contraband = rng.random_bool(0.12);
        self.write_parcel(
            day, consignee, origin, declared, content, weight, contraband, ring,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn write_precursor(
        &mut self,
        day: u32,
        chemical: &str,
        quantity_kg: f64,
        importer: u32,
        origin: usize,
        declared_use: &str,
        ring: u32,
    ) -> Result<(), SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let org = self.world.orgs[importer as usize].clone();
        let mut org_rng = self.stable_rng(SALT_ORG, u64::from(importer));
        let name = self.org_name_noisy(importer, &mut org_rng);
        let mut address = String::new();
        self.write_address_line(
            &mut address,
            org.address,
            AddressStyle::AbbreviatedUpper,
            &mut org_rng,
        );
        let (country, _, _, _) = tables::PARCEL_ORIGINS[origin];
        let hts = match chemical {
            "ANILINE" => "2921.41.1000",
            "PROPIONYL CHLORIDE" => "2915.90.5050",
            _ => "2933.39.2700",
        };
        let exporter_word = tables::BUSINESS_WORDS[self
            .rng
            .parcels
            .random_range(0..tables::BUSINESS_WORDS.len())];
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("ENT{id:09}"));
        row.push(format_args!(
            "{:02}-{}-{:04}",
            date.day(),
            month_abbreviation(date.month()),
            date.year()
        ));
        row.push_str(chemical);
        row.push_str(hts);
        row.push(format_args!("{quantity_kg:.1}"));
        row.push_str(&name);
        row.push(format_args!(
            "{:02}-{:07}",
            org.ein / 10_000_000,
            org.ein % 10_000_000
        ));
        row.push_str(&address);
        row.push(format_args!("{exporter_word} Biochem Co Ltd"));
        row.push_str(country);
        row.push_str(declared_use);
        self.emit(
            FeedId::CbpPrecursors,
            &[
                ("entry", "PrecursorTransaction", TrueId::Event("PT", id)),
                ("importer", "Organization", TrueId::Org(importer)),
            ],
            ring,
            false,
        )
    }

    fn background_precursor(&mut self, day: u32) -> Result<(), SimulationError> {
        let suppliers = &self.world.chemical_suppliers;
        if suppliers.is_empty() {
            return Ok(());
        }
        let rng = &mut self.rng.parcels;
        let importer = suppliers[rng.random_range(0..suppliers.len())];
        let (chemical, quantity, declared_use) = match rng.random_range(0..10) {
            0..=5 => (
                "ANILINE",
                rng.random_range(200.0..5_000.0),
                "dye and rubber manufacturing",
            ),
            6..=8 => (
                "PROPIONYL CHLORIDE",
                rng.random_range(50.0..800.0),
                "pharmaceutical synthesis",
            ),
            _ => (
                "N-PHENETHYL-4-PIPERIDONE",
                rng.random_range(1.0..10.0),
                "licensed analgesic manufacture",
            ),
        };
        let origin = if rng.random_bool(0.6) { 0 } else { 2 };
        self.write_precursor(
            day,
            chemical,
            quantity,
            importer,
            origin,
            declared_use,
            NONE,
        )
    }

    fn ring_precursor(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let fronts = self.world.rings[ring as usize].fronts.clone();
        let front = self.pick(&fronts);
        let rng = &mut self.rng.ring;
        let chemical = [
            "4-ANILINOPIPERIDINE",
            "TERT-BUTYL 4-(PHENYLAMINO)PIPERIDINE-1-CARBOXYLATE",
            "N-PHENETHYL-4-PIPERIDONE",
            "4-ANILINO-N-PHENETHYLPIPERIDINE",
        ][rng.random_range(0..4)];
        let quantity = rng.random_range(2.0..50.0);
        let declared_use = [
            "research reagent",
            "pharmaceutical intermediate",
            "dye intermediate",
            "lab supplies",
        ][rng.random_range(0..4)];
        let origin = if rng.random_bool(0.75) { 0 } else { 2 };
        self.write_precursor(day, chemical, quantity, front, origin, declared_use, ring)
    }

    // ------------------------------------------------------------------ presses

    fn press_serial(&self, press: u32) -> String {
        let entry = &self.world.presses[press as usize];
        let maker = tables::PRESS_MAKERS[entry.maker as usize];
        let prefix: String = maker
            .chars()
            .filter(char::is_ascii_uppercase)
            .take(3)
            .collect();
        format!("{prefix}-{}", entry.serial)
    }

    fn press_import(&mut self, day: u32, press: u32) -> Result<(), SimulationError> {
        let entry = self.world.presses[press as usize].clone();
        let date = self.date(day);
        let importer = entry.holder;
        let org = self.world.orgs[importer as usize].clone();
        let mut org_rng = self.stable_rng(SALT_ORG + 1, u64::from(importer));
        let name = self.org_name_noisy(importer, &mut org_rng);
        let mut address = String::new();
        self.write_address_line(&mut address, org.address, AddressStyle::Full, &mut org_rng);
        let serial = self.press_serial(press);
        let id = self.event_id();
        let rng = &mut self.rng.parcels;
        let origin = if rng.random_bool(0.8) {
            "CHINA"
        } else {
            "INDIA"
        };
        let value = rng.random_range(2_000..45_000);
        let row = &mut self.row;
        row.clear();
        row.push_str(&serial);
        row.push(format_args!("ENT{id:09}"));
        row.push(format_args!(
            "{:02}-{}-{:04}",
            date.day(),
            month_abbreviation(date.month()),
            date.year()
        ));
        row.push_str(&entry.equipment.as_str().to_uppercase());
        row.push_str(tables::PRESS_MAKERS[entry.maker as usize]);
        row.push_str(entry.die_imprint.unwrap_or(""));
        row.push_str(&name);
        row.push(format_args!(
            "{:02}-{:07}",
            org.ein / 10_000_000,
            org.ein % 10_000_000
        ));
        row.push_str(&address);
        row.push_str(origin);
        row.push(value);
        self.emit(
            FeedId::CbpPressImports,
            &[
                ("press", "PillPress", TrueId::Press(press)),
                ("importer", "Organization", TrueId::Org(importer)),
            ],
            entry.ring,
            false,
        )
    }

    fn press_registration(&mut self, day: u32, press: u32) -> Result<(), SimulationError> {
        let entry = self.world.presses[press as usize].clone();
        let date = self.date(day);
        let org = self.world.orgs[entry.holder as usize].clone();
        let mut org_rng = self.stable_rng(SALT_ORG + 2, u64::from(entry.holder));
        let name = self.org_name_noisy(entry.holder, &mut org_rng);
        let mut address = String::new();
        self.write_address_line(
            &mut address,
            org.address,
            AddressStyle::Abbreviated,
            &mut org_rng,
        );
        let serial = self.press_serial(press);
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("PR-{:06}", press + 1));
        row.push(format_args!(
            "{:04}-{:02}-{:02}",
            date.year(),
            date.month(),
            date.day()
        ));
        row.push_str("registered");
        row.push_str(&serial);
        row.push_str(entry.equipment.as_str());
        row.push_str(tables::PRESS_MAKERS[entry.maker as usize]);
        row.push_str(entry.die_imprint.unwrap_or(""));
        row.push_str(&name);
        row.push(format_args!("PHY{:06}", org.ein % 1_000_000));
        row.push_str(&address);
        self.emit(
            FeedId::DojPressRegistry,
            &[
                ("press", "PillPress", TrueId::Press(press)),
                ("holder", "Organization", TrueId::Org(entry.holder)),
            ],
            entry.ring,
            false,
        )
    }

    /// A registered press changes hands; diverted ones go to a ring's front and are not
    /// declared to the regulator (the record comes from a tip or an audit).
    fn press_transfer(&mut self, day: u32, press: u32) -> Result<(), SimulationError> {
        let entry = self.world.presses[press as usize].clone();
        let date = self.date(day);
        let diverted = entry.diverted_to != NONE;
        let recipient = if diverted {
            entry.diverted_to
        } else {
            let pharmacies = &self.world.pharmacies;
            pharmacies[self.rng.parcels.random_range(0..pharmacies.len())]
        };
        let from = self.world.orgs[entry.holder as usize].clone();
        let to = self.world.orgs[recipient as usize].clone();
        let mut org_rng = self.stable_rng(SALT_ORG + 3, u64::from(recipient));
        let from_name = self.org_name(entry.holder).to_uppercase();
        let to_name = self.org_name_noisy(recipient, &mut org_rng);
        let mut address = String::new();
        self.write_address_line(
            &mut address,
            to.address,
            AddressStyle::AbbreviatedUpper,
            &mut org_rng,
        );
        let serial = self.press_serial(press);
        let id = self.event_id();
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("XFR{id:08}"));
        row.push(format_args!(
            "{:02}/{:02}/{:04}",
            date.month(),
            date.day(),
            date.year()
        ));
        row.push_str(&serial);
        row.push_str(&entry.equipment.as_str().to_uppercase());
        row.push_str(&from_name);
        row.push(format_args!("PHY{:06}", from.ein % 1_000_000));
        row.push_str(&to_name);
        if diverted || to.kind != OrgKind::Pharmacy {
            row.empty();
        } else {
            row.push(format_args!("PHY{:06}", to.ein % 1_000_000));
        }
        row.push_str(&address);
        row.push_str(if diverted {
            "anonymous tip"
        } else {
            "registrant"
        });
        row.push_str(if diverted { "N" } else { "Y" });
        let ring = if diverted { entry.ring } else { NONE };
        self.emit(
            FeedId::DojPressTransfers,
            &[
                ("transfer", "PressTransfer", TrueId::Event("PX", id)),
                ("press", "PillPress", TrueId::Press(press)),
                ("from", "Organization", TrueId::Org(entry.holder)),
                ("to", "Organization", TrueId::Org(recipient)),
            ],
            ring,
            false,
        )
    }

    // ------------------------------------------------------------------ arrests

    /// Writes an arrest as the sheriff books it and as the state's criminal history keeps
    /// it (the same real event, two records).
    fn write_arrest(
        &mut self,
        day: u32,
        person: u32,
        charges: &[(&str, &str)],
        incident: u64,
        location: (f64, f64),
        ring: u32,
    ) -> Result<(), SimulationError> {
        let arrest = self.event_id();
        let date = self.date(day);
        let entry = self.world.people[person as usize].clone();
        let address = self.world.addresses[entry.address as usize].clone();
        let county = self.world.county(address.county).fips;
        let use_rng = |sim: &mut Sim| {
            if ring == NONE {
                sim.rng.justice.clone()
            } else {
                sim.rng.ring.clone()
            }
        };
        let mut rng = use_rng(self);
        let booked = rng.random_bool(if ring == NONE { 0.75 } else { 0.9 });
        let in_history = rng.random_bool(0.9);
        let second = rng.random_range(0..86_400u32);
        let lat = location.0 + rng.random_range(-0.002..0.002);
        let lon = location.1 + rng.random_range(-0.002..0.002);
        if ring == NONE {
            self.rng.justice = rng;
        } else {
            self.rng.ring = rng;
        }
        if booked {
            // The sheriff's master name record: one spelling per person.
            let mut person_rng = self.stable_rng(SALT_SHERIFF, u64::from(person));
            let parts = noise::render_name(&entry, Noise::ORDINARY, &mut person_rng);
            let birth = noise::render_birth(entry.birth, Noise::ORDINARY, &mut person_rng);
            let phone = person_rng
                .random_bool(0.7)
                .then_some(self.world.phones[entry.phone as usize].number);
            let mut street = String::new();
            noise::write_street(
                &mut street,
                &address,
                AddressStyle::AbbreviatedUpper,
                &mut person_rng,
            );
            let moniker = entry.moniker.filter(|_| person_rng.random_bool(0.6));
            let city = tables::cities(county)[address.city as usize];
            let row = &mut self.row;
            row.clear();
            row.push(format_args!(
                "B{:04}{:07}",
                date.year(),
                arrest % 10_000_000
            ));
            row.push(format_args!(
                "SO{:07}",
                mix(u64::from(person) ^ SALT_SHERIFF) % 10_000_000
            ));
            row.push(format_args!(
                "{:02}/{:02}/{:04} {:02}:{:02}",
                date.month(),
                date.day(),
                date.year(),
                second / 3600,
                second / 60 % 60
            ));
            row.push_str(&noise::fold_accents(&parts.family).to_uppercase());
            row.push_str(&noise::fold_accents(&parts.given).to_uppercase());
            row.push_str(&noise::fold_accents(&parts.middle).to_uppercase());
            match birth {
                Some(birth) => row.push(format_args!(
                    "{:02}/{:02}/{:04}",
                    birth.month(),
                    birth.day(),
                    birth.year()
                )),
                None => row.empty(),
            };
            row.push_str(if entry.male { "M" } else { "F" });
            match phone {
                Some(number) => {
                    row.with(|text| noise::write_phone(text, number, PhoneStyle::Dotted))
                }
                None => row.empty(),
            };
            row.push_str(&street);
            row.push_str(&city.to_uppercase());
            row.push(address.zip);
            row.push_str(moniker.unwrap_or(""));
            row.with(|text| {
                for (index, (code, _)) in charges.iter().enumerate() {
                    if index > 0 {
                        text.push(';');
                    }
                    text.push_str(code);
                }
            });
            row.push(format_args!("{lat:.5}"));
            row.push(format_args!("{lon:.5}"));
            row.push_str(county);
            row.push(format_args!("I{incident:08}"));
            let mut entities: Vec<RowEntity> = vec![
                ("booking", "Arrest", TrueId::Event("AR", arrest)),
                ("inmate", "Person", TrueId::Person(person)),
            ];
            if phone.is_some() {
                entities.push(("phone", "Phone", TrueId::Phone(entry.phone)));
            }
            self.emit(FeedId::SheriffBookings, &entities, ring, ring == NONE)?;
        }
        if in_history {
            let mut person_rng = self.stable_rng(SALT_DOJ, u64::from(person));
            let noise_level = Noise {
                keep_accents: true,
                ..Noise::CAREFUL
            };
            let parts = noise::render_name(&entry, noise_level, &mut person_rng);
            let birth = noise::render_birth(entry.birth, noise_level, &mut person_rng);
            let row = &mut self.row;
            row.clear();
            row.push(format_args!(
                "{:010}",
                mix(arrest ^ SALT_DOJ) % 10_000_000_000
            ));
            row.push(format_args!(
                "A{:08}",
                mix(u64::from(person) ^ SALT_DOJ) % 100_000_000
            ));
            row.push_str(&parts.family.to_uppercase());
            row.push_str(&parts.given.to_uppercase());
            row.push_str(&parts.middle.to_uppercase());
            match birth {
                Some(birth) => row.push(format_args!(
                    "{:02}/{:02}/{:04}",
                    birth.month(),
                    birth.day(),
                    birth.year()
                )),
                None => row.empty(),
            };
            row.push_str(if entry.male { "M" } else { "F" });
            row.push(format_args!(
                "{:02}/{:02}/{:04}",
                date.month(),
                date.day(),
                date.year()
            ));
            row.push_str(if booked { "SHERIFF" } else { "POLICE DEPT" });
            row.push_str(charges[0].0);
            row.push_str(charges[0].1);
            row.push(format_args!("I{incident:08}"));
            row.push_str(county);
            row.push_str(["PENDING", "CONVICTED", "DISMISSED", "RELEASED"][(arrest % 4) as usize]);
            self.emit(
                FeedId::DojArrests,
                &[
                    ("arrest", "Arrest", TrueId::Event("AR", arrest)),
                    ("arrestee", "Person", TrueId::Person(person)),
                ],
                ring,
                ring == NONE,
            )?;
        }
        Ok(())
    }

    fn background_arrest(&mut self, day: u32) -> Result<(), SimulationError> {
        const CHARGES: &[(&str, &str)] = &[
            ("VC 23152(a)", "DUI ALCOHOL"),
            ("PC 459", "BURGLARY"),
            ("PC 484(a)", "PETTY THEFT"),
            ("PC 242", "BATTERY"),
            ("PC 245(a)(1)", "ASSAULT W/DEADLY WEAPON"),
            ("HS 11350(a)", "POSSESS NARCOTIC CONTROLLED SUBSTANCE"),
            ("HS 11377(a)", "POSSESS CONTROLLED SUBSTANCE"),
            ("PC 148(a)(1)", "RESIST/OBSTRUCT OFFICER"),
            ("VC 14601.1(a)", "DRIVING W/SUSPENDED LICENSE"),
            ("PC 273.5(a)", "CORPORAL INJURY SPOUSE"),
            ("PC 602", "TRESPASSING"),
        ];
        let rng = &mut self.rng.justice;
        let mut person = rng.random_range(0..self.world.people.len() as u32);
        // Arrests skew to young men.
        if !self.world.people[person as usize].male && rng.random_bool(0.5) {
            person = rng.random_range(0..self.world.people.len() as u32);
        }
        let charge = CHARGES[rng.random_range(0..CHARGES.len())];
        let address = &self.world.addresses[self.world.people[person as usize].address as usize];
        let location = (
            f64::from(address.lat) + rng.random_range(-0.03..0.03),
            f64::from(address.lon) + rng.random_range(-0.03..0.03),
        );
        let incident = self.event_id();
        self.write_arrest(day, person, &[charge], incident, location, NONE)
    }

    /// A ring member arrested, most often a street dealer, sometimes with a co-arrestee;
    /// the sheriff seizes what they carried.
    fn ring_arrest(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let ring_entry = self.world.rings[ring as usize].clone();
        let rng = &mut self.rng.ring;
        let roll = rng.random_range(0..10);
        let role = match roll {
            0..=6 => Role::Dealer,
            7 | 8 => Role::Supplier,
            _ => Role::Courier,
        };
        let candidates: Vec<usize> = ring_entry.with_role(role).map(|(index, _)| index).collect();
        let member_index = candidates[rng.random_range(0..candidates.len())];
        let member = ring_entry.members[member_index].clone();
        let co_arrestee = if rng.random_bool(0.3) {
            // A co-arrestee: their supplier or another dealer of the same supplier.
            let siblings: Vec<usize> = ring_entry
                .members
                .iter()
                .enumerate()
                .filter(|(index, other)| {
                    *index != member_index
                        && (other.boss == member.boss || *index == member.boss as usize)
                })
                .map(|(index, _)| index)
                .collect();
            (!siblings.is_empty()).then(|| siblings[rng.random_range(0..siblings.len())])
        } else {
            None
        };
        let charges: &[(&str, &str)] = match role {
            Role::Dealer => &[
                ("HS 11351", "POSSESS FOR SALE NARCOTIC"),
                ("HS 11352(a)", "TRANSPORT/SELL NARCOTIC"),
            ],
            Role::Supplier => &[
                ("HS 11352(a)", "TRANSPORT/SELL NARCOTIC"),
                ("HS 11370.4(a)", "WEIGHT ENHANCEMENT"),
            ],
            _ => &[("HS 11352(a)", "TRANSPORT/SELL NARCOTIC")],
        };
        let incident = self.event_id();
        let location = (f64::from(member.lat), f64::from(member.lon));
        self.write_arrest(day, member.person, charges, incident, location, ring)?;
        if let Some(other) = co_arrestee {
            let other_person = ring_entry.members[other].person;
            self.write_arrest(day, other_person, charges, incident, location, ring)?;
        }
        if self.rng.ring.random_bool(0.7) {
            self.write_street_seizure(day, ring, member.person, location)?;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ seizures

    fn write_street_seizure(
        &mut self,
        day: u32,
        ring: u32,
        person: u32,
        location: (f64, f64),
    ) -> Result<(), SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let fingerprint = if ring == NONE {
            let unattributed = &self.world.unattributed_fingerprints;
            let rng = &mut self.rng.justice;
            rng.random_bool(0.6)
                .then(|| unattributed[rng.random_range(0..unattributed.len())])
        } else {
            let fingerprints = &self.world.rings[ring as usize].fingerprints;
            Some(fingerprints[self.rng.ring.random_range(0..fingerprints.len())])
        };
        let entry = self.world.people[person as usize].clone();
        let county = self
            .world
            .county(self.world.addresses[entry.address as usize].county)
            .fips;
        let mut person_rng = self.stable_rng(SALT_SHERIFF + 100, u64::from(person));
        let parts = noise::render_name(&entry, Noise::ORDINARY, &mut person_rng);
        let rng = if ring == NONE {
            &mut self.rng.justice
        } else {
            &mut self.rng.ring
        };
        let named = ring != NONE || rng.random_bool(0.7);
        let (drug, grams, pills, stamp, colour) =
            match fingerprint.map(|index| &self.world.fingerprints[index as usize]) {
                Some(product) if !product.imprint.is_empty() => {
                    let pills = rng.random_range(5..if ring == NONE { 60 } else { 300 });
                    (
                        "FENTANYL PILLS",
                        f64::from(pills) * 0.11,
                        pills,
                        product.imprint,
                        product.colour,
                    )
                }
                Some(_) => ("FENTANYL POWDER", rng.random_range(0.5..28.0), 0, "", ""),
                None => {
                    let drug = ["METH", "HEROIN", "COCAINE", "METH"][rng.random_range(0..4)];
                    (drug, rng.random_range(0.2..30.0), 0, "", "")
                }
            };
        let place = [
            "traffic stop",
            "residence",
            "street corner",
            "motel room",
            "parking lot",
        ][rng.random_range(0..5)];
        let lat = location.0 + rng.random_range(-0.003..0.003);
        let lon = location.1 + rng.random_range(-0.003..0.003);
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("E{:04}-{id:08}", date.year()));
        row.push(format_args!(
            "{:02}/{:02}/{:04}",
            date.month(),
            date.day(),
            date.year()
        ));
        row.empty();
        if named {
            row.push(format_args!(
                "SO{:07}",
                mix(u64::from(person) ^ SALT_SHERIFF) % 10_000_000
            ));
            row.push(format_args!(
                "{}, {}",
                noise::fold_accents(&parts.family).to_uppercase(),
                noise::fold_accents(&parts.given).to_uppercase()
            ));
        } else {
            row.empty();
            row.empty();
        }
        row.push_str(drug);
        row.push(format_args!("{grams:.1}"));
        if pills > 0 {
            row.push(pills);
        } else {
            row.empty();
        }
        row.push_str(stamp);
        row.push_str(colour);
        row.push(format_args!("{lat:.5}"));
        row.push(format_args!("{lon:.5}"));
        row.push_str(county);
        row.push_str(place);
        let mut entities: Vec<RowEntity> = vec![("seizure", "Seizure", TrueId::Event("SZ", id))];
        if named {
            entities.push(("suspect", "Person", TrueId::Person(person)));
        }
        if let Some(fingerprint) = fingerprint.filter(|_| !stamp.is_empty()) {
            entities.push((
                "product",
                "ProductFingerprint",
                TrueId::Fingerprint(fingerprint),
            ));
        }
        self.emit(FeedId::SheriffSeizures, &entities, ring, false)
    }

    fn background_seizure(&mut self, day: u32) -> Result<(), SimulationError> {
        let rng = &mut self.rng.justice;
        let person = rng.random_range(0..self.world.people.len() as u32);
        let address = &self.world.addresses[self.world.people[person as usize].address as usize];
        let location = (
            f64::from(address.lat) + rng.random_range(-0.02..0.02),
            f64::from(address.lon) + rng.random_range(-0.02..0.02),
        );
        self.write_street_seizure(day, NONE, person, location)
    }

    fn ring_street_seizure(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let dealers: Vec<(u32, f64, f64)> = self.world.rings[ring as usize]
            .with_role(Role::Dealer)
            .map(|(_, member)| (member.person, f64::from(member.lat), f64::from(member.lon)))
            .collect();
        let (person, lat, lon) = dealers[self.rng.ring.random_range(0..dealers.len())];
        self.write_street_seizure(day, ring, person, (lat, lon))
    }

    /// A federal seizure: mid-level from a supplier, or a bulk 15–30 kg load from a hub's
    /// stash house or a courier's hidden compartment.
    fn ring_dea_seizure(&mut self, day: u32, ring: u32, bulk: bool) -> Result<(), SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let ring_entry = self.world.rings[ring as usize].clone();
        let rng = &mut self.rng.ring;
        let role = if bulk {
            if rng.random_bool(0.5) {
                Role::Hub
            } else {
                Role::Courier
            }
        } else {
            Role::Supplier
        };
        let members: Vec<&crate::world::Member> = ring_entry
            .with_role(role)
            .map(|(_, member)| member)
            .collect();
        let member = members[rng.random_range(0..members.len())];
        let fingerprint =
            ring_entry.fingerprints[rng.random_range(0..ring_entry.fingerprints.len())];
        let product = self.world.fingerprints[fingerprint as usize].clone();
        let pills = !product.imprint.is_empty();
        let kilograms = if bulk {
            rng.random_range(15.0..30.0)
        } else {
            rng.random_range(0.1..2.0)
        };
        let pill_count = if pills {
            (kilograms * 1000.0 / 0.11) as u64
        } else {
            0
        };
        let (lat, lon) = if role == Role::Hub {
            let stash = ring_entry.stash_houses[0];
            let address = &self.world.addresses[stash as usize];
            (f64::from(address.lat), f64::from(address.lon))
        } else {
            (
                f64::from(member.lat) + rng.random_range(-0.05..0.05),
                f64::from(member.lon) + rng.random_range(-0.05..0.05),
            )
        };
        let concealment = match role {
            Role::Hub => "stash house",
            Role::Courier => "hidden vehicle compartment",
            _ => ["vehicle", "residence", "storage unit"][rng.random_range(0..3)],
        };
        let named = rng.random_bool(0.8);
        let purity = product.purity_pct * rng.random_range(0.8..1.2) as f32;
        let county = self.world.county(ring_entry.county).fips;
        let person = self.world.people[member.person as usize].clone();
        let mut person_rng = self.stable_rng(SALT_DEA + 100, u64::from(member.person));
        let parts = noise::render_name(&person, Noise::CAREFUL, &mut person_rng);
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("EX{:04}-{id:07}", date.year()));
        row.push(format_args!("DEA-LA-{:04}", 100 + ring));
        row.push(format_args!(
            "{:04}-{:02}-{:02}",
            date.year(),
            date.month(),
            date.day()
        ));
        row.push_str(if pills { "FENT-P" } else { "FENT" });
        row.push_str(if pills { "PILLS" } else { "POWDER" });
        row.push(format_args!("{kilograms:.3}"));
        if pills {
            row.push(pill_count);
        } else {
            row.empty();
        }
        row.push_str(product.imprint);
        row.push_str(if pills { product.colour } else { "" });
        row.push_str(if pills { product.die_marks } else { "" });
        row.push(format_args!("CP-{}", product.chemical_profile));
        row.push_str(&product.adulterants.join("|"));
        row.push(format_args!("{purity:.1}"));
        row.push_str(county);
        row.push(format_args!("{lat:.5}"));
        row.push(format_args!("{lon:.5}"));
        row.push_str(concealment);
        if named {
            row.push(format_args!("S{:06}", member.person));
            row.push_str(&noise::fold_accents(&parts.last_first_upper()));
        } else {
            row.empty();
            row.empty();
        }
        let mut entities: Vec<RowEntity> = vec![
            ("seizure", "Seizure", TrueId::Event("SZ", id)),
            (
                "product",
                "ProductFingerprint",
                TrueId::Fingerprint(fingerprint),
            ),
        ];
        if named {
            entities.push(("subject", "Person", TrueId::Person(member.person)));
        }
        self.emit(FeedId::DeaSeizures, &entities, ring, false)
    }

    // ------------------------------------------------------------------ overdoses

    #[allow(clippy::too_many_arguments)]
    fn write_overdose(
        &mut self,
        day: u32,
        second: u32,
        county: u8,
        lat: f64,
        lon: f64,
        fingerprint: Option<u32>,
        fatal_share: f64,
        ring: u32,
    ) -> Result<String, SimulationError> {
        let id = self.event_id();
        let date = self.date(day);
        let product = fingerprint.map(|index| self.world.fingerprints[index as usize].clone());
        let rng = if ring == NONE {
            &mut self.rng.health
        } else {
            &mut self.rng.ring
        };
        let fatal = rng.random_bool(fatal_share);
        let naloxone = if fatal {
            rng.random_range(0..3)
        } else {
            rng.random_range(1..5)
        };
        let age =
            ["15-24", "25-34", "25-34", "35-44", "45-54", "55-64", "65+"][rng.random_range(0..7)];
        let sex = if rng.random_bool(0.7) { "M" } else { "F" };
        let setting = [
            "residence",
            "residence",
            "street",
            "vehicle",
            "motel",
            "park",
            "business",
        ][rng.random_range(0..7)];
        let scene_pills = product
            .as_ref()
            .is_some_and(|product| !product.imprint.is_empty())
            && rng.random_bool(0.7);
        let toxicology = product.is_some() && rng.random_bool(0.8);
        let reported = date + chrono::Duration::days(rng.random_range(1..30));
        let fips = self.world.county(county).fips;
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("OD-{id:09}"));
        row.push(format_args!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            date.year(),
            date.month(),
            date.day(),
            second / 3600,
            second / 60 % 60
        ));
        row.push_str(if fatal { "Fatal" } else { "Non-fatal" });
        row.push(naloxone);
        row.with(|text| {
            match &product {
                Some(product) if !product.imprint.is_empty() => {
                    text.push_str("counterfeit_oxycodone;fentanyl")
                }
                Some(_) => text.push_str("fentanyl"),
                None => text.push_str(
                    ["heroin", "methamphetamine", "fentanyl", "cocaine;fentanyl"]
                        [(id % 4) as usize],
                ),
            }
            if product
                .as_ref()
                .is_some_and(|product| product.adulterants.contains(&"xylazine"))
            {
                text.push_str(";xylazine");
            }
        });
        row.push_str(fips);
        // Public health keeps three decimals (about 100 m).
        row.push(format_args!("{lat:.3}"));
        row.push(format_args!("{lon:.3}"));
        row.push_str(age);
        row.push_str(sex);
        row.push_str(setting);
        match (&product, scene_pills) {
            (Some(product), true) => {
                row.push_str(product.imprint);
                row.push_str(product.colour);
            }
            _ => {
                row.empty();
                row.empty();
            }
        }
        match (&product, toxicology) {
            (Some(product), true) => row.push(format_args!("CP-{}", product.chemical_profile)),
            _ => row.empty(),
        };
        row.push(format_args!(
            "{:04}-{:02}-{:02}",
            reported.year(),
            reported.month(),
            reported.day()
        ));
        let record = self.row_id(FeedId::HealthOverdoses);
        let mut entities: Vec<RowEntity> =
            vec![("incident", "OverdoseIncident", TrueId::Event("OD", id))];
        if let Some(fingerprint) = fingerprint.filter(|_| scene_pills || toxicology) {
            entities.push((
                "product",
                "ProductFingerprint",
                TrueId::Fingerprint(fingerprint),
            ));
        }
        self.emit(FeedId::HealthOverdoses, &entities, ring, ring == NONE)?;
        Ok(record)
    }

    fn background_overdose(&mut self, day: u32) -> Result<(), SimulationError> {
        let county = self.world.random_county(&mut self.rng.health);
        let centre = self.world.county(county);
        let (lat, lon) = crate::world::jitter(centre.lat, centre.lon, 0.1, &mut self.rng.health);
        let rng = &mut self.rng.health;
        let fingerprint = rng.random_bool(0.35).then(|| {
            let unattributed = &self.world.unattributed_fingerprints;
            unattributed[rng.random_range(0..unattributed.len())]
        });
        let second = daytime_second(rng);
        self.write_overdose(day, second, county, lat, lon, fingerprint, 0.12, NONE)
            .map(|_| ())
    }

    fn dealer_and_product(&mut self, ring: u32) -> (u32, f64, f64, u32) {
        let ring_entry = &self.world.rings[ring as usize];
        let dealers: Vec<&crate::world::Member> = ring_entry
            .with_role(Role::Dealer)
            .map(|(_, member)| member)
            .collect();
        let dealer = dealers[self.rng.ring.random_range(0..dealers.len())];
        // Dealers sell the pills most; the powder goes with it sometimes.
        let products = &ring_entry.fingerprints;
        let product = if self.rng.ring.random_bool(0.8) {
            products[0]
        } else {
            products[self.rng.ring.random_range(0..products.len())]
        };
        (
            dealer.person,
            f64::from(dealer.lat),
            f64::from(dealer.lon),
            product,
        )
    }

    fn ring_overdose(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let (_, lat, lon, product) = self.dealer_and_product(ring);
        let county = self.world.rings[ring as usize].county;
        let (lat, lon) = crate::world::jitter(lat, lon, 0.03, &mut self.rng.ring);
        let second = daytime_second(&mut self.rng.ring);
        self.write_overdose(day, second, county, lat, lon, Some(product), 0.15, ring)
            .map(|_| ())
    }

    /// A bad batch: several overdoses within about a kilometre of one dealer's corner over a
    /// few days, all with that dealer's product.
    fn overdose_cluster(&mut self, day: u32, ring: u32) -> Result<(), SimulationError> {
        let cluster = self.next_cluster;
        self.next_cluster += 1;
        let (dealer, lat, lon, product) = self.dealer_and_product(ring);
        let county = self.world.rings[ring as usize].county;
        let fips = self.world.county(county).fips;
        let size = self.rng.ring.random_range(4..=12);
        let window = self.rng.ring.random_range(2..=6u32);
        let mut records = Vec::with_capacity(size);
        for _ in 0..size {
            let offset = self.rng.ring.random_range(0..window);
            let (incident_lat, incident_lon) =
                crate::world::jitter(lat, lon, 0.006, &mut self.rng.ring);
            let second = self.rng.ring.random_range(0..86_400);
            records.push(self.write_overdose(
                day + offset,
                second,
                county,
                incident_lat,
                incident_lon,
                Some(product),
                0.25,
                ring,
            )?);
        }
        let start = self.date(day);
        let end = self.date(day + window - 1);
        for record in records {
            writeln!(
                self.clusters,
                "C{cluster:04},{fips},{start},{end},{},{},county_health,overdoses,{record}",
                TrueId::Person(dealer),
                TrueId::Fingerprint(product)
            )
            .map_err(|source| io_error(&self.truth_dir, source))?;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ subjects and operations

    /// The federal subject file: most ring members (the higher, the likelier), plus
    /// associates who turn out to be innocent.
    fn open_subject_files(&mut self) -> Result<(), SimulationError> {
        let mut subjects: Vec<(u32, u32)> = Vec::new();
        for (ring, ring_entry) in self.world.rings.iter().enumerate() {
            for member in &ring_entry.members {
                let known = match member.role {
                    Role::Dealer => 0.35,
                    Role::Courier => 0.6,
                    _ => 0.85,
                };
                if self.rng.plans.random_bool(known) {
                    subjects.push((member.person, ring as u32));
                }
            }
        }
        for _ in 0..self.volumes.bg_subjects {
            let person = self
                .rng
                .plans
                .random_range(0..self.world.people.len() as u32);
            if self.world.people[person as usize].ring == NONE {
                subjects.push((person, NONE));
            }
        }
        subjects.sort_unstable();
        subjects.dedup_by_key(|(person, _)| *person);
        for (person, ring) in subjects {
            self.write_subject(person, ring)?;
        }
        Ok(())
    }

    fn write_subject(&mut self, person: u32, ring: u32) -> Result<(), SimulationError> {
        let entry = self.world.people[person as usize].clone();
        let mut person_rng = self.stable_rng(SALT_DEA, u64::from(person));
        let parts = noise::render_name(&entry, Noise::CAREFUL, &mut person_rng);
        let birth = noise::render_birth(entry.birth, Noise::CAREFUL, &mut person_rng);
        let phone = if entry.burner != NONE && person_rng.random_bool(0.5) {
            entry.burner
        } else {
            entry.phone
        };
        let number = self.world.phones[phone as usize].number;
        let mut address = String::new();
        self.write_address_line(
            &mut address,
            entry.address,
            AddressStyle::AbbreviatedUpper,
            &mut person_rng,
        );
        let opened_day = self.rng.plans.random_range(0..self.days);
        let opened = self.date(opened_day);
        let review = opened + chrono::Duration::days(365 * 4);
        let role = entry.role.map_or("associate", Role::as_str);
        let predicate = if ring == NONE {
            "in contact with targets of a fentanyl distribution investigation (21 USC 846)"
                .to_string()
        } else {
            format!(
                "reasonable suspicion of fentanyl trafficking: {} in case DEA-LA-{:04} (21 USC 841, 846)",
                role.replace('_', " "),
                100 + ring
            )
        };
        let aliases: Vec<String> = entry
            .moniker
            .into_iter()
            .map(str::to_string)
            .chain(person_rng.random_bool(0.2).then(|| {
                noise::fold_accents(
                    &noise::render_name(&entry, Noise::SLOPPY, &mut person_rng).first_last(),
                )
            }))
            .collect();
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("S{person:06}"));
        row.push_str(&noise::fold_accents(&parts.last_first_upper()));
        row.push_str(&aliases.join(";"));
        match birth {
            Some(birth) => row.push(format_args!(
                "{:02}/{:02}/{:04}",
                birth.month(),
                birth.day(),
                birth.year()
            )),
            None => row.empty(),
        };
        row.push_str(if entry.male { "M" } else { "F" });
        row.with(|text| noise::write_phone(text, number, PhoneStyle::Parenthesised));
        row.push_str(&address);
        if ring != NONE {
            row.push(format_args!(
                "{:07}{}",
                mix(u64::from(person)) % 10_000_000,
                ['A', 'B', 'C', 'D'][person as usize % 4]
            ));
        } else {
            row.empty();
        }
        row.push_str(if entry.informant { "Y" } else { "" });
        row.push_str(if entry.informant { "INFORMANT" } else { "" });
        row.push_str(&predicate);
        row.push(format_args!(
            "{:04}-{:02}-{:02}",
            opened.year(),
            opened.month(),
            opened.day()
        ));
        row.push(format_args!(
            "{:02}/{:02}/{:04}",
            review.month(),
            review.day(),
            review.year()
        ));
        self.emit(
            FeedId::DeaSubjects,
            &[
                ("subject", "Person", TrueId::Person(person)),
                ("phone", "Phone", TrueId::Phone(phone)),
                (
                    "uses_phone",
                    "Ownership",
                    TrueId::Text(format!("own:P{person:07}:T{phone:07}")),
                ),
            ],
            ring,
            false,
        )
    }

    /// Operations by the federal agency and the sheriff: some on the same ring members at
    /// overlapping times and places (deconfliction conflicts), most unrelated.
    fn plan_operations(&mut self) -> Result<(), SimulationError> {
        let count = self.volumes.operations_per_agency;
        let mut dea_ops = Vec::new();
        for index in 0..count {
            let rng = &mut self.rng.plans;
            let day = rng.random_range(0..self.days);
            let ring_target = !self.world.rings.is_empty() && rng.random_bool(0.6);
            let (target, lat, lon) = if ring_target {
                let ring = &self.world.rings[rng.random_range(0..self.world.rings.len())];
                let member = &ring.members[rng.random_range(0..ring.members.len())];
                let (lat, lon) = if member.role == Role::Hub {
                    let address = &self.world.addresses[ring.stash_houses[0] as usize];
                    (f64::from(address.lat), f64::from(address.lon))
                } else {
                    (f64::from(member.lat), f64::from(member.lon))
                };
                (member.person, lat, lon)
            } else {
                let person = rng.random_range(0..self.world.people.len() as u32);
                let address =
                    &self.world.addresses[self.world.people[person as usize].address as usize];
                (person, f64::from(address.lat), f64::from(address.lon))
            };
            let start = i64::from(day) * 86_400 + rng.random_range(4..20) * 3600;
            let end = start + rng.random_range(2..12) * 3600;
            let radius_m = f64::from(rng.random_range(50..400));
            let op = PlannedOperation {
                feed: FeedId::DeaOperations,
                id: format!("OP-DEA-{:04}", index + 1),
                start,
                end,
                lat,
                lon,
                radius_m,
                target,
            };
            dea_ops.push(op);
        }
        let mut sheriff_ops = Vec::new();
        for index in 0..count {
            let rng = &mut self.rng.plans;
            // A third of the sheriff's operations land on a federal one's target or place.
            let op = if !dea_ops.is_empty() && (index == 0 || rng.random_bool(0.3)) {
                let federal = &dea_ops[rng.random_range(0..dea_ops.len())];
                let shift = rng.random_range(-1..=1) * 3600;
                let same_target = rng.random_bool(0.5);
                PlannedOperation {
                    feed: FeedId::SheriffOperations,
                    id: format!("SO-OP-{:04}", index + 1),
                    start: federal.start + shift,
                    end: federal.end + shift + 3600,
                    lat: federal.lat + rng.random_range(-0.002..0.002),
                    lon: federal.lon + rng.random_range(-0.002..0.002),
                    radius_m: f64::from(rng.random_range(100..300)),
                    target: if same_target {
                        federal.target
                    } else {
                        rng.random_range(0..self.world.people.len() as u32)
                    },
                }
            } else {
                let day = rng.random_range(0..self.days);
                let person = rng.random_range(0..self.world.people.len() as u32);
                let address =
                    &self.world.addresses[self.world.people[person as usize].address as usize];
                let start = i64::from(day) * 86_400 + rng.random_range(4..20) * 3600;
                PlannedOperation {
                    feed: FeedId::SheriffOperations,
                    id: format!("SO-OP-{:04}", index + 1),
                    start,
                    end: start + rng.random_range(2..10) * 3600,
                    lat: f64::from(address.lat),
                    lon: f64::from(address.lon),
                    radius_m: f64::from(rng.random_range(100..300)),
                    target: person,
                }
            };
            sheriff_ops.push(op);
        }
        for op in dea_ops
            .iter()
            .chain(&sheriff_ops)
            .cloned()
            .collect::<Vec<_>>()
        {
            self.write_operation(&op)?;
        }
        self.operations = dea_ops.into_iter().chain(sheriff_ops).collect();
        Ok(())
    }

    fn write_operation(&mut self, op: &PlannedOperation) -> Result<(), SimulationError> {
        let person = self.world.people[op.target as usize].clone();
        let ring = person.ring;
        let rng = &mut self.rng.plans;
        let parts = noise::render_name(&person, Noise::ORDINARY, rng);
        let birth = noise::render_birth(person.birth, Noise::ORDINARY, rng);
        let agent = rng.random_range(0..self.world.people.len() as u32);
        let agent_parts =
            noise::render_name(&self.world.people[agent as usize], Noise::CAREFUL, rng);
        let agent_number = crate::world::random_phone_number(rng);
        let kind = rng.random_range(0..5);
        let moment = |seconds: i64| {
            self.start.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::seconds(seconds)
        };
        let (start, end) = (moment(op.start), moment(op.end));
        let codename = [
            "GRANITE",
            "BLUE TIDE",
            "NIGHTHAWK",
            "CROSSWIND",
            "IRON GATE",
            "SILVER LINE",
            "COYOTE",
            "DUST DEVIL",
        ];
        let name = format!(
            "{} {}",
            codename[(mix(op.start as u64) % 8) as usize],
            op.id.rsplit('-').next().unwrap_or("")
        );
        let mut address = String::new();
        let mut address_rng = ChaCha8Rng::seed_from_u64(rng.random());
        self.write_address_line(
            &mut address,
            person.address,
            AddressStyle::Full,
            &mut address_rng,
        );
        let row = &mut self.row;
        row.clear();
        match op.feed {
            FeedId::DeaOperations => {
                row.push_str(&op.id);
                row.push_str(&name);
                row.push(start.format("%m/%d/%Y %H:%M"));
                row.push(end.format("%m/%d/%Y %H:%M"));
                row.push(format_args!("{:.5}", op.lat));
                row.push(format_args!("{:.5}", op.lon));
                row.push(format_args!("{:.0}", op.radius_m / 0.3048));
                row.push_str(["SW", "BB", "SURV", "AW", "CD"][kind]);
                row.push_str(&noise::fold_accents(&parts.last_first_upper()));
                match birth {
                    Some(birth) => row.push(format_args!(
                        "{:02}/{:02}/{:04}",
                        birth.month(),
                        birth.day(),
                        birth.year()
                    )),
                    None => row.empty(),
                };
                row.push_str(&address);
                row.push(format_args!(
                    "SA {}",
                    noise::fold_accents(&agent_parts.first_last())
                ));
                row.with(|text| noise::write_phone(text, agent_number, PhoneStyle::Parenthesised));
                self.emit(
                    FeedId::DeaOperations,
                    &[
                        ("operation", "Operation", TrueId::Text(op.id.clone())),
                        ("target", "Person", TrueId::Person(op.target)),
                    ],
                    ring,
                    false,
                )
            }
            _ => {
                let phone = self.world.phones[person.phone as usize].number;
                row.push_str(&op.id);
                row.push_str(&name);
                row.push(start.format("%Y-%m-%dT%H:%M:%S-08:00"));
                row.push(end.format("%Y-%m-%dT%H:%M:%S-08:00"));
                row.push(format_args!("{:.5}", op.lat));
                row.push(format_args!("{:.5}", op.lon));
                row.push(format_args!("{:.0}", op.radius_m));
                row.push_str(
                    [
                        "search_warrant",
                        "buy_bust",
                        "surveillance",
                        "arrest_warrant",
                        "controlled_delivery",
                    ][kind],
                );
                row.push_str(&noise::fold_accents(&parts.first_last()));
                row.with(|text| noise::write_phone(text, phone, PhoneStyle::Dashed));
                row.push(format_args!(
                    "Sgt. {}",
                    noise::fold_accents(&agent_parts.family)
                ));
                row.with(|text| noise::write_phone(text, agent_number, PhoneStyle::Dotted));
                self.emit(
                    FeedId::SheriffOperations,
                    &[
                        ("operation", "Operation", TrueId::Text(op.id.clone())),
                        ("target", "Person", TrueId::Person(op.target)),
                    ],
                    ring,
                    false,
                )
            }
        }
    }

    fn truncated_booking(&mut self) -> Result<(), SimulationError> {
        let person = self
            .rng
            .justice
            .random_range(0..self.world.people.len() as u32);
        let entry = self.world.people[person as usize].clone();
        let date = self.date(self.days - 1);
        let row = &mut self.row;
        row.clear();
        row.push(format_args!("B{:04}9999999", date.year()));
        row.push(format_args!(
            "SO{:07}",
            mix(u64::from(person) ^ SALT_SHERIFF) % 10_000_000
        ));
        row.push(format_args!(
            "{:02}/{:02}/{:04} 23:59",
            date.month(),
            date.day(),
            date.year()
        ));
        row.push_str(&noise::fold_accents(entry.family).to_uppercase());
        row.push_str(&noise::fold_accents(entry.given).to_uppercase());
        for _ in 5..agencies::spec(FeedId::SheriffBookings).columns.len() {
            row.push_str("UNKNOWN");
        }
        self.feeds[FeedId::SheriffBookings as usize].emit_truncated(&self.row)?;
        self.rows_written += 1;
        Ok(())
    }

    // ------------------------------------------------------------------ finishing

    fn finish(
        mut self,
        config: &SimulationConfig,
        out: &Path,
    ) -> Result<SimulationSummary, SimulationError> {
        let truth_dir = self.truth_dir.clone();
        let flush_error = |source| io_error(&truth_dir, source);
        self.patterns.flush().map_err(flush_error)?;
        self.clusters.flush().map_err(flush_error)?;
        let mut finished = Vec::new();
        for writer in self.feeds.drain(..) {
            finished.push(writer.finish()?);
        }
        let truth_entities = self.truth.rows;
        let entities_path = truth_dir.join(truth::ENTITIES_FILE);
        self.truth.flush(&entities_path)?;
        let mut bad = csv_writer(
            &truth_dir.join(truth::BAD_ROWS_FILE),
            "agency,feed,file,line,reason",
        )?;
        let mut feeds_summary = Vec::new();
        let mut total_rows = 0;
        let mut total_bad = 0;
        for feed in &finished {
            for row in &feed.bad_rows {
                writeln!(
                    bad,
                    "{},{},{},{},{}",
                    row.agency,
                    row.feed,
                    row.file,
                    row.line,
                    row.reason.as_str()
                )
                .map_err(flush_error)?;
            }
            total_rows += feed.rows;
            total_bad += feed.bad_rows.len() as u64;
            feeds_summary.push(FeedSummary {
                agency: feed.spec.agency.to_string(),
                feed: feed.spec.feed.to_string(),
                file: feed.path.clone(),
                profile: feed.profile_path.clone(),
                rows: feed.rows,
                bad_rows: feed.bad_rows.len() as u64,
            });
        }
        bad.flush().map_err(flush_error)?;
        self.write_world_truth()?;
        self.write_operation_conflicts()?;
        let _ = self.rng.world.random::<u8>();
        let summary = SimulationSummary {
            config: config.clone(),
            feeds: feeds_summary,
            total_rows,
            total_bad_rows: total_bad,
            truth_dir: out.join(truth::TRUTH_DIR),
            truth_entities,
            people: self.world.people.len() as u64,
            rings: self.world.rings.len() as u64,
        };
        let summary_path = truth_dir.join(truth::SUMMARY_FILE);
        let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
        std::fs::write(&summary_path, json).map_err(|source| io_error(&summary_path, source))?;
        (self.progress)(SimulationProgress {
            rows_written: total_rows,
            rows_expected: total_rows,
        });
        Ok(summary)
    }

    fn write_world_truth(&self) -> Result<(), SimulationError> {
        let dir = &self.truth_dir;
        let error = |source| io_error(dir, source);
        let world = &self.world;
        let none_or = |value: u32, prefix: char, width: usize| {
            if value == NONE {
                String::new()
            } else {
                format!("{prefix}{value:0width$}")
            }
        };
        let mut people = csv_writer(
            &dir.join(truth::PEOPLE_FILE),
            "true_id,given_name,middle_name,family_name,second_family_name,moniker,sex,birth_date,background,county_fips,address_id,phone_id,burner_phone_id,account_id,ring_id,role,informant",
        )?;
        for (index, person) in world.people.iter().enumerate() {
            let county = world
                .county(world.addresses[person.address as usize].county)
                .fips;
            writeln!(
                people,
                "P{index:07},{},{},{},{},{},{},{},{:?},{county},L{:07},T{:07},{},{},{},{},{}",
                person.given,
                person.middle.unwrap_or(""),
                person.family,
                person.family2.unwrap_or(""),
                person.moniker.unwrap_or(""),
                if person.male { "male" } else { "female" },
                person.birth,
                person.background,
                person.address,
                person.phone,
                none_or(person.burner, 'T', 7),
                none_or(person.account, 'A', 7),
                none_or(person.ring, 'R', 3),
                person.role.map_or("", Role::as_str),
                person.informant,
            )
            .map_err(error)?;
        }
        people.flush().map_err(error)?;
        let mut orgs = csv_writer(
            &dir.join(truth::ORGANIZATIONS_FILE),
            "true_id,name,kind,ein,owner_true_id,ring_id,account_id,address_id",
        )?;
        for (index, org) in world.orgs.iter().enumerate() {
            writeln!(
                orgs,
                "O{index:06},{},{:?},{:02}-{:07},{},{},A{:07},L{:07}",
                self.org_name(index as u32),
                org.kind,
                org.ein / 10_000_000,
                org.ein % 10_000_000,
                none_or(org.owner, 'P', 7),
                none_or(org.ring, 'R', 3),
                org.account,
                org.address
            )
            .map_err(error)?;
        }
        orgs.flush().map_err(error)?;
        let mut phones = csv_writer(
            &dir.join(truth::PHONES_FILE),
            "true_id,e164,owner_true_id,prepaid",
        )?;
        for (index, phone) in world.phones.iter().enumerate() {
            writeln!(
                phones,
                "T{index:07},{},P{:07},{}",
                self.phone_e164(index as u32),
                phone.owner,
                phone.prepaid
            )
            .map_err(error)?;
        }
        phones.flush().map_err(error)?;
        let mut accounts = csv_writer(
            &dir.join(truth::ACCOUNTS_FILE),
            "true_id,kind,number,institution,owner_true_id",
        )?;
        for (index, account) in world.accounts.iter().enumerate() {
            writeln!(
                accounts,
                "A{index:07},bank,{},{},{}",
                account.number,
                tables::BANKS[account.bank as usize],
                self.owner_true_id(account.owner)
            )
            .map_err(error)?;
        }
        for (index, wallet) in world.wallets.iter().enumerate() {
            writeln!(
                accounts,
                "W{index:06},crypto,{},{},{}",
                self.wallet_address(index as u32),
                tables::CRYPTO_EXCHANGES[wallet.exchange as usize],
                self.owner_true_id(wallet.owner)
            )
            .map_err(error)?;
        }
        accounts.flush().map_err(error)?;
        let mut rings = csv_writer(
            &dir.join(truth::RINGS_FILE),
            "ring_id,ring_name,county_fips,member_true_id,role,reports_to_true_id",
        )?;
        for (ring_index, ring) in world.rings.iter().enumerate() {
            let fips = world.county(ring.county).fips;
            for member in &ring.members {
                let boss = if member.boss == NONE {
                    String::new()
                } else {
                    TrueId::Person(ring.members[member.boss as usize].person).to_string()
                };
                writeln!(
                    rings,
                    "R{ring_index:03},{},{fips},{},{},{boss}",
                    ring.name,
                    TrueId::Person(member.person),
                    member.role.as_str()
                )
                .map_err(error)?;
            }
            for front in &ring.fronts {
                writeln!(
                    rings,
                    "R{ring_index:03},{},{fips},{},front_business,",
                    ring.name,
                    TrueId::Org(*front)
                )
                .map_err(error)?;
            }
        }
        rings.flush().map_err(error)?;
        let mut fingerprints = csv_writer(
            &dir.join(truth::FINGERPRINTS_FILE),
            "true_id,ring_id,press_true_id,imprint,colour,die_marks,chemical_profile,adulterants",
        )?;
        for (index, product) in world.fingerprints.iter().enumerate() {
            writeln!(
                fingerprints,
                "{},{},{},{},{},{},CP-{},{}",
                TrueId::Fingerprint(index as u32),
                none_or(product.ring, 'R', 3),
                none_or(product.press, 'X', 5),
                product.imprint,
                product.colour,
                product.die_marks,
                product.chemical_profile,
                product.adulterants.join("|")
            )
            .map_err(error)?;
        }
        fingerprints.flush().map_err(error)?;
        let mut presses = csv_writer(
            &dir.join(truth::PRESSES_FILE),
            "true_id,serial,equipment,registered,holder_true_id,diverted_to_true_id,die_imprint,ring_id",
        )?;
        for (index, press) in world.presses.iter().enumerate() {
            writeln!(
                presses,
                "{},{},{},{},O{:06},{},{},{}",
                TrueId::Press(index as u32),
                self.press_serial(index as u32),
                match press.equipment {
                    Equipment::Tableting => "tableting_machine",
                    Equipment::Encapsulating => "encapsulating_machine",
                    Equipment::DieMold => "die_mold",
                },
                press.registered,
                press.holder,
                none_or(press.diverted_to, 'O', 6),
                press.die_imprint.unwrap_or(""),
                none_or(press.ring, 'R', 3)
            )
            .map_err(error)?;
        }
        presses.flush().map_err(error)
    }

    /// Pairs of operations that overlap in time and in space (the circles intersect), or
    /// that target the same real person within thirty days of each other.
    fn write_operation_conflicts(&self) -> Result<(), SimulationError> {
        let dir = &self.truth_dir;
        let error = |source| io_error(dir, source);
        let mut out = csv_writer(
            &dir.join(truth::OPERATION_CONFLICTS_FILE),
            "agency_a,feed_a,operation_a,agency_b,feed_b,operation_b,reason,shared_target_true_id",
        )?;
        let mut operations: Vec<&PlannedOperation> = self.operations.iter().collect();
        operations.sort_by_key(|op| op.start);
        for (index, first) in operations.iter().enumerate() {
            for second in &operations[index + 1..] {
                if second.start > first.end + 30 * 86_400 {
                    break;
                }
                let overlap_in_time = first.start < second.end && second.start < first.end;
                let distance = haversine_m(first.lat, first.lon, second.lat, second.lon);
                let overlap_in_space = distance <= first.radius_m + second.radius_m;
                let (a, b) = (agencies::spec(first.feed), agencies::spec(second.feed));
                if overlap_in_time && overlap_in_space {
                    writeln!(
                        out,
                        "{},{},{},{},{},{},space_time,",
                        a.agency, a.feed, first.id, b.agency, b.feed, second.id
                    )
                    .map_err(error)?;
                }
                if first.target == second.target {
                    writeln!(
                        out,
                        "{},{},{},{},{},{},shared_target,{}",
                        a.agency,
                        a.feed,
                        first.id,
                        b.agency,
                        b.feed,
                        second.id,
                        TrueId::Person(first.target)
                    )
                    .map_err(error)?;
                }
            }
        }
        out.flush().map_err(error)
    }
}

fn csv_writer(path: &Path, header: &str) -> Result<BufWriter<File>, SimulationError> {
    let mut writer = BufWriter::new(feeds::create(path)?);
    writeln!(writer, "{header}").map_err(|source| io_error(path, source))?;
    Ok(writer)
}

fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let delta_phi = (lat2 - lat1).to_radians();
    let delta_lambda = (lon2 - lon1).to_radians();
    let a = (delta_phi / 2.0).sin().powi(2)
        + phi1.cos() * phi2.cos() * (delta_lambda / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * a.sqrt().asin()
}

fn log_normal(mu: f64, sigma: f64, rng: &mut ChaCha8Rng) -> f64 {
    LogNormal::new(mu, sigma).map_or((mu).exp(), |distribution| distribution.sample(rng))
}

/// A second of the day, mostly between 08:00 and 23:00.
fn daytime_second(rng: &mut ChaCha8Rng) -> u32 {
    if rng.random_bool(0.8) {
        rng.random_range(8 * 3600..23 * 3600)
    } else {
        rng.random_range(0..86_400)
    }
}

fn month_abbreviation(month: u32) -> &'static str {
    [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ][(month as usize + 11) % 12]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_follows_the_accelerating_death_curve() {
        let start = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
        let weights = growth_weights(start, 1827);
        let mean_of_year = |year: usize| {
            let days = &weights[year * 365..(year + 1) * 365];
            days.iter().sum::<f64>() / days.len() as f64
        };
        let yearly: Vec<f64> = (0..5).map(mean_of_year).collect();
        assert!(
            yearly.windows(2).all(|pair| pair[1] > pair[0]),
            "{yearly:?}"
        );
        let ratio = yearly[4] / yearly[0];
        // 3,244 / 434 deaths: about 7.5 times, smoothed by the interpolation.
        assert!((5.0..9.0).contains(&ratio), "2020 / 2016 = {ratio}");
        let mean = weights.iter().sum::<f64>() / weights.len() as f64;
        assert!((mean - 1.0).abs() < 1e-9);
    }

    #[test]
    fn scales_parse_from_their_names() {
        assert_eq!("Medium".parse::<Scale>(), Ok(Scale::Medium));
        assert!("huge".parse::<Scale>().is_err());
        assert_eq!(Scale::Large.to_string(), "large");
    }
}
