//! The true world behind the feeds: people, households, phones, accounts, companies,
//! trafficking rings with their hierarchy, presses and product fingerprints.
//!
//! Everything here is what really is; agencies only ever see noisy renditions of it.
//! Structs are kept small (indices into tables, not strings) so the Large world fits in
//! modest memory.

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::tables::{self, BACKGROUND_WEIGHTS, Background, County, NameTables, Weighted};

/// Marks "none" in index fields.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    Leader,
    Importer,
    Courier,
    Hub,
    Supplier,
    Dealer,
    MoneyHandler,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Importer => "importer",
            Role::Courier => "courier",
            Role::Hub => "hub",
            Role::Supplier => "supplier",
            Role::Dealer => "street_dealer",
            Role::MoneyHandler => "money_handler",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub given: &'static str,
    pub middle: Option<&'static str>,
    pub family: &'static str,
    /// The maternal surname of a Hispanic compound name.
    pub family2: Option<&'static str>,
    pub moniker: Option<&'static str>,
    pub male: bool,
    pub background: Background,
    pub birth: NaiveDate,
    pub address: u32,
    pub phone: u32,
    /// A second, prepaid phone (ring members).
    pub burner: u32,
    pub account: u32,
    pub license: u32,
    pub ring: u32,
    pub role: Option<Role>,
    /// Ring role: index of the member this person answers to, in `Ring::members`.
    pub informant: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub number: u32,
    pub street: u16,
    pub suffix: u8,
    pub unit: u16,
    pub county: u8,
    pub city: u8,
    pub zip: u32,
    pub lat: f32,
    pub lon: f32,
}

#[derive(Debug, Clone)]
pub(crate) struct Phone {
    /// Ten digits, North American plan.
    pub number: u64,
    pub owner: u32,
    pub prepaid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Person(u32),
    Org(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub number: u64,
    pub bank: u8,
    pub owner: Owner,
}

#[derive(Debug, Clone)]
pub(crate) struct Wallet {
    pub seed: u64,
    pub exchange: u8,
    pub owner: Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrgKind {
    Company,
    Front,
    ChemicalSupplier,
    PressDealer,
    Pharmacy,
}

#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub word: u8,
    pub business: u8,
    pub form: u8,
    pub kind: OrgKind,
    pub ein: u32,
    pub address: u32,
    pub account: u32,
    pub owner: u32,
    pub ring: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Fingerprint {
    pub imprint: &'static str,
    pub colour: &'static str,
    pub die_marks: &'static str,
    pub chemical_profile: u32,
    pub adulterants: Vec<&'static str>,
    pub purity_pct: f32,
    pub ring: u32,
    pub press: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Equipment {
    Tableting,
    Encapsulating,
    DieMold,
}

impl Equipment {
    pub fn as_str(self) -> &'static str {
        match self {
            Equipment::Tableting => "tableting machine",
            Equipment::Encapsulating => "encapsulating machine",
            Equipment::DieMold => "die mold",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Press {
    pub serial: u32,
    pub maker: u8,
    pub equipment: Equipment,
    pub registered: bool,
    /// The organisation it is registered to or imported by.
    pub holder: u32,
    /// A registered press later passed to a ring without telling the regulator.
    pub diverted_to: u32,
    pub die_imprint: Option<&'static str>,
    pub ring: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub person: u32,
    pub role: Role,
    /// Index into `Ring::members` of the member giving this one orders.
    pub boss: u32,
    /// Dealers' corner: where they sell and where their customers overdose.
    pub lat: f32,
    pub lon: f32,
}

#[derive(Debug, Clone)]
pub(crate) struct Ring {
    pub name: String,
    pub county: u8,
    pub members: Vec<Member>,
    pub fronts: Vec<u32>,
    pub stash_houses: Vec<u32>,
    pub fingerprints: Vec<u32>,
    pub presses: Vec<u32>,
    pub wallets: Vec<u32>,
}

impl Ring {
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = (usize, &Member)> {
        self.members
            .iter()
            .enumerate()
            .filter(move |(_, member)| member.role == role)
    }
}

/// Sizes that shape the world; see the crate doc for the values per scale.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WorldSize {
    pub people: u32,
    pub rings: u32,
    pub companies: u32,
}

pub(crate) struct World {
    pub counties: Vec<County>,
    pub names: [NameTables; 4],
    pub people: Vec<Person>,
    pub addresses: Vec<Address>,
    pub phones: Vec<Phone>,
    pub accounts: Vec<Account>,
    pub wallets: Vec<Wallet>,
    pub orgs: Vec<Org>,
    pub rings: Vec<Ring>,
    pub presses: Vec<Press>,
    pub fingerprints: Vec<Fingerprint>,
    /// Organisations by kind, for drawing counterparts.
    pub chemical_suppliers: Vec<u32>,
    pub press_dealers: Vec<u32>,
    pub pharmacies: Vec<u32>,
    pub companies: Vec<u32>,
    /// Fingerprints of product from sources outside the modelled rings.
    pub unattributed_fingerprints: Vec<u32>,
    county_weights: Weighted<u8>,
}

impl World {
    pub fn build(size: WorldSize, start: NaiveDate, rng: &mut ChaCha8Rng) -> World {
        let counties = tables::counties();
        let county_weights = Weighted::new(
            counties
                .iter()
                .enumerate()
                .map(|(index, county)| (index as u8, county.population)),
        );
        let mut world = World {
            counties,
            names: tables::name_tables(),
            people: Vec::with_capacity(size.people as usize),
            addresses: Vec::new(),
            phones: Vec::new(),
            accounts: Vec::new(),
            wallets: Vec::new(),
            orgs: Vec::new(),
            rings: Vec::new(),
            presses: Vec::new(),
            fingerprints: Vec::new(),
            chemical_suppliers: Vec::new(),
            press_dealers: Vec::new(),
            pharmacies: Vec::new(),
            companies: Vec::new(),
            unattributed_fingerprints: Vec::new(),
            county_weights,
        };
        world.populate(size.people, start, rng);
        world.found_companies(size.companies, rng);
        for ring in 0..size.rings {
            world.organise_ring(ring, rng);
        }
        world.legitimate_presses(size.companies / 20 + 4, rng);
        for _ in 0..(6 + size.rings / 2) {
            let fingerprint = world.new_fingerprint(NONE, NONE, rng);
            world.unattributed_fingerprints.push(fingerprint);
        }
        world
    }

    pub fn county(&self, index: u8) -> &County {
        &self.counties[index as usize]
    }

    pub fn random_county(&self, rng: &mut ChaCha8Rng) -> u8 {
        self.county_weights.sample(rng)
    }

    fn populate(&mut self, count: u32, start: NaiveDate, rng: &mut ChaCha8Rng) {
        let backgrounds = Weighted::new(BACKGROUND_WEIGHTS);
        let mut household_left = 0u32;
        let mut household_family = "";
        let mut household_background = Background::Anglo;
        for index in 0..count {
            // Households: people next to each other share an address and often a surname.
            let new_household = household_left == 0;
            if new_household {
                let county = self.random_county(rng);
                self.new_address(county, rng);
                household_left = rng.random_range(1..=4);
                household_background = backgrounds.sample(rng);
            }
            household_left -= 1;
            let background = household_background;
            let tables = &self.names[background_index(background)];
            let male = rng.random_bool(0.5);
            let given = if male {
                tables.male.sample(rng)
            } else {
                tables.female.sample(rng)
            };
            let family = if !new_household && rng.random_bool(0.7) {
                household_family
            } else {
                tables.family.sample(rng)
            };
            if new_household {
                household_family = family;
            }
            let (middle, family2) = match background {
                Background::Hispanic => (
                    rng.random_bool(0.35).then(|| {
                        if male {
                            tables.male.sample(rng)
                        } else {
                            tables.female.sample(rng)
                        }
                    }),
                    rng.random_bool(0.6)
                        .then(|| tables.family.sample(rng))
                        .filter(|second| *second != family),
                ),
                _ => (
                    rng.random_bool(0.6).then(|| {
                        let table = &self.names[1];
                        if male {
                            table.male.sample(rng)
                        } else {
                            table.female.sample(rng)
                        }
                    }),
                    None,
                ),
            };
            let age_days = rng.random_range(16 * 365..75 * 365);
            let birth = start - chrono::Duration::days(age_days);
            let phone = self.phones.len() as u32;
            self.phones.push(Phone {
                number: random_phone_number(rng),
                owner: index,
                prepaid: rng.random_bool(0.15),
            });
            let account = if rng.random_bool(0.75) {
                self.new_account(Owner::Person(index), rng)
            } else {
                NONE
            };
            self.people.push(Person {
                given,
                middle: middle.filter(|middle| *middle != given),
                family,
                family2,
                moniker: rng
                    .random_bool(0.02)
                    .then(|| tables::MONIKERS[rng.random_range(0..tables::MONIKERS.len())]),
                male,
                background,
                birth,
                address: self.addresses.len() as u32 - 1,
                phone,
                burner: NONE,
                account,
                license: rng.random_range(1_000_000..9_999_999),
                ring: NONE,
                role: None,
                informant: false,
            });
        }
    }

    pub fn new_address(&mut self, county: u8, rng: &mut ChaCha8Rng) -> u32 {
        let centre = &self.counties[county as usize];
        let cities = tables::cities(centre.fips);
        let city = rng.random_range(0..cities.len()) as u8;
        let (lat, lon) = jitter(centre.lat, centre.lon, 0.12, rng);
        self.addresses.push(Address {
            number: rng.random_range(100..19_999),
            street: rng.random_range(0..tables::STREET_NAMES.len()) as u16,
            suffix: rng.random_range(0..tables::STREET_SUFFIXES.len()) as u8,
            unit: if rng.random_bool(0.3) {
                rng.random_range(1..400)
            } else {
                0
            },
            county,
            city,
            zip: 90_000 + u32::from(county) * 150 + u32::from(city) * 7 + rng.random_range(0..5),
            lat: lat as f32,
            lon: lon as f32,
        });
        self.addresses.len() as u32 - 1
    }

    fn new_account(&mut self, owner: Owner, rng: &mut ChaCha8Rng) -> u32 {
        self.accounts.push(Account {
            number: rng.random_range(1_000_000_000u64..99_999_999_999),
            bank: rng.random_range(0..tables::BANKS.len()) as u8,
            owner,
        });
        self.accounts.len() as u32 - 1
    }

    pub fn new_wallet(&mut self, owner: Owner, rng: &mut ChaCha8Rng) -> u32 {
        self.wallets.push(Wallet {
            seed: rng.random(),
            exchange: rng.random_range(0..tables::CRYPTO_EXCHANGES.len()) as u8,
            owner,
        });
        self.wallets.len() as u32 - 1
    }

    fn new_org(&mut self, kind: OrgKind, owner: u32, ring: u32, rng: &mut ChaCha8Rng) -> u32 {
        let county = if owner == NONE {
            self.random_county(rng)
        } else {
            self.addresses[self.people[owner as usize].address as usize].county
        };
        let business = match kind {
            OrgKind::ChemicalSupplier => "Chemical Supply",
            OrgKind::PressDealer => "Import Export",
            OrgKind::Pharmacy => "Pharmacy",
            _ => "",
        };
        let business = tables::BUSINESS_TYPES
            .iter()
            .position(|name| *name == business)
            .unwrap_or_else(|| rng.random_range(0..tables::BUSINESS_TYPES.len()));
        let address = self.new_address(county, rng);
        let index = self.orgs.len() as u32;
        let account = self.new_account(Owner::Org(index), rng);
        self.orgs.push(Org {
            word: rng.random_range(0..tables::BUSINESS_WORDS.len()) as u8,
            business: business as u8,
            form: rng.random_range(0..tables::BUSINESS_FORMS.len()) as u8,
            kind,
            ein: rng.random_range(10_000_000..99_999_999),
            address,
            account,
            owner,
            ring,
        });
        index
    }

    fn found_companies(&mut self, count: u32, rng: &mut ChaCha8Rng) {
        for index in 0..count {
            let kind = match index % 25 {
                0 => OrgKind::ChemicalSupplier,
                1 => OrgKind::PressDealer,
                2 | 3 => OrgKind::Pharmacy,
                _ => OrgKind::Company,
            };
            let owner = rng.random_range(0..self.people.len() as u32);
            let org = self.new_org(kind, owner, NONE, rng);
            match kind {
                OrgKind::ChemicalSupplier => self.chemical_suppliers.push(org),
                OrgKind::PressDealer => self.press_dealers.push(org),
                OrgKind::Pharmacy => self.pharmacies.push(org),
                _ => self.companies.push(org),
            }
        }
    }

    /// Recruits a ring from the population of one county: a leader with few direct
    /// contacts, importers and couriers, stash-house managers, suppliers, street dealers
    /// and money handlers, with front businesses, presses and product fingerprints.
    fn organise_ring(&mut self, ring: u32, rng: &mut ChaCha8Rng) {
        let county = self.random_county(rng);
        let centre = (
            self.counties[county as usize].lat,
            self.counties[county as usize].lon,
        );
        let ring_names = [
            "Los Primos",
            "Valle",
            "Norteños",
            "Azul",
            "Eastside",
            "La Linea",
            "Harbor",
            "Sierra",
        ];
        let name = format!(
            "{} cell {}",
            ring_names[ring as usize % ring_names.len()],
            ring + 1
        );
        let mut members: Vec<Member> = Vec::new();
        let mut recruit =
            |world: &mut World, role: Role, boss: u32, rng: &mut ChaCha8Rng| -> usize {
                // Prefer people of the ring's county; fall back to anyone unrecruited.
                let mut person = NONE;
                for _ in 0..200 {
                    let candidate = rng.random_range(0..world.people.len() as u32);
                    let candidate_person = &world.people[candidate as usize];
                    let age = 2020 - candidate_person.birth.year();
                    let local = world.addresses[candidate_person.address as usize].county == county;
                    if candidate_person.ring == NONE
                        && (18..60).contains(&age)
                        && (local || rng.random_bool(0.05))
                    {
                        person = candidate;
                        break;
                    }
                }
                if person == NONE {
                    person = (0..world.people.len() as u32)
                        .find(|&candidate| world.people[candidate as usize].ring == NONE)
                        .unwrap_or(0);
                }
                let burner = world.phones.len() as u32;
                world.phones.push(Phone {
                    number: random_phone_number(rng),
                    owner: person,
                    prepaid: true,
                });
                let moniker = tables::MONIKERS[rng.random_range(0..tables::MONIKERS.len())];
                let entry = &mut world.people[person as usize];
                entry.ring = ring;
                entry.role = Some(role);
                entry.burner = burner;
                if rng.random_bool(0.7) {
                    entry.moniker = Some(moniker);
                }
                entry.informant = role == Role::Dealer && rng.random_bool(0.06);
                let (lat, lon) = jitter(centre.0, centre.1, 0.08, rng);
                members.push(Member {
                    person,
                    role,
                    boss,
                    lat: lat as f32,
                    lon: lon as f32,
                });
                members.len() - 1
            };
        let leader = recruit(self, Role::Leader, NONE, rng) as u32;
        let importers: Vec<u32> = (0..rng.random_range(1..=2))
            .map(|_| recruit(self, Role::Importer, leader, rng) as u32)
            .collect();
        for &importer in &importers {
            for _ in 0..rng.random_range(1..=3) {
                recruit(self, Role::Courier, importer, rng);
            }
        }
        let hubs: Vec<u32> = (0..rng.random_range(1..=2))
            .map(|_| recruit(self, Role::Hub, leader, rng) as u32)
            .collect();
        let mut suppliers = Vec::new();
        for &hub in &hubs {
            for _ in 0..rng.random_range(2..=3) {
                suppliers.push(recruit(self, Role::Supplier, hub, rng) as u32);
            }
        }
        for &supplier in &suppliers {
            for _ in 0..rng.random_range(2..=5) {
                recruit(self, Role::Dealer, supplier, rng);
            }
        }
        for _ in 0..rng.random_range(1..=2) {
            recruit(self, Role::MoneyHandler, leader, rng);
        }
        let mut fronts = Vec::new();
        let handlers: Vec<u32> = members
            .iter()
            .filter(|member| member.role == Role::MoneyHandler)
            .map(|member| member.person)
            .collect();
        for &handler in &handlers {
            for _ in 0..rng.random_range(1..=2) {
                fronts.push(self.new_org(OrgKind::Front, handler, ring, rng));
            }
        }
        let stash_houses: Vec<u32> = hubs.iter().map(|_| self.new_address(county, rng)).collect();
        let mut wallets = Vec::new();
        for member in members.iter().filter(|member| {
            matches!(
                member.role,
                Role::Importer | Role::MoneyHandler | Role::Leader
            )
        }) {
            wallets.push(self.new_wallet(Owner::Person(member.person), rng));
        }
        // Overseas suppliers' wallets, paid by the importers.
        for _ in 0..2 {
            wallets.push(self.new_wallet(Owner::Person(NONE), rng));
        }
        let ring_index = ring;
        self.rings.push(Ring {
            name,
            county,
            members,
            fronts: fronts.clone(),
            stash_houses,
            fingerprints: Vec::new(),
            presses: Vec::new(),
            wallets,
        });
        // Presses: one imported unregistered by a front, sometimes one diverted from a
        // registered holder; each press carries a die and makes one product.
        let press_count = rng.random_range(1..=2);
        for press_number in 0..press_count {
            let holder = fronts[rng.random_range(0..fronts.len())];
            let diverted = press_number == 1 && rng.random_bool(0.6);
            let press = self.presses.len() as u32;
            let imprint = tables::IMPRINTS[rng.random_range(0..tables::IMPRINTS.len())];
            self.presses.push(Press {
                serial: rng.random_range(100_000..999_999),
                maker: rng.random_range(0..tables::PRESS_MAKERS.len()) as u8,
                equipment: if rng.random_bool(0.85) {
                    Equipment::Tableting
                } else {
                    Equipment::Encapsulating
                },
                registered: diverted,
                holder: if diverted && !self.pharmacies.is_empty() {
                    self.pharmacies[rng.random_range(0..self.pharmacies.len())]
                } else {
                    holder
                },
                diverted_to: if diverted { holder } else { NONE },
                die_imprint: Some(imprint),
                ring: ring_index,
            });
            let fingerprint = self.new_fingerprint(ring_index, press, rng);
            self.fingerprints[fingerprint as usize].imprint = imprint;
            let ring_entry = &mut self.rings[ring_index as usize];
            ring_entry.presses.push(press);
            ring_entry.fingerprints.push(fingerprint);
        }
        // Powder product carries only a chemical profile.
        let powder = self.new_fingerprint(ring_index, NONE, rng);
        self.fingerprints[powder as usize].imprint = "";
        self.rings[ring_index as usize].fingerprints.push(powder);
    }

    fn new_fingerprint(&mut self, ring: u32, press: u32, rng: &mut ChaCha8Rng) -> u32 {
        let mut adulterants = Vec::new();
        if rng.random_bool(0.45) {
            adulterants.push("xylazine");
        }
        for _ in 0..rng.random_range(1..=2) {
            let adulterant = tables::ADULTERANTS[rng.random_range(1..tables::ADULTERANTS.len())];
            if !adulterants.contains(&adulterant) {
                adulterants.push(adulterant);
            }
        }
        self.fingerprints.push(Fingerprint {
            imprint: tables::IMPRINTS[rng.random_range(0..tables::IMPRINTS.len())],
            colour: tables::PILL_COLOURS[rng.random_range(0..tables::PILL_COLOURS.len())],
            die_marks: tables::DIE_MARKS[rng.random_range(0..tables::DIE_MARKS.len())],
            chemical_profile: rng.random_range(1000..9999),
            adulterants,
            purity_pct: rng.random_range(0.5..12.0),
            ring,
            press,
        });
        self.fingerprints.len() as u32 - 1
    }

    fn legitimate_presses(&mut self, count: u32, rng: &mut ChaCha8Rng) {
        if self.pharmacies.is_empty() {
            return;
        }
        for _ in 0..count {
            let holder = self.pharmacies[rng.random_range(0..self.pharmacies.len())];
            let equipment = match rng.random_range(0..10) {
                0..=5 => Equipment::Tableting,
                6..=7 => Equipment::Encapsulating,
                _ => Equipment::DieMold,
            };
            self.presses.push(Press {
                serial: rng.random_range(100_000..999_999),
                maker: rng.random_range(0..tables::PRESS_MAKERS.len()) as u8,
                equipment,
                registered: true,
                holder,
                diverted_to: NONE,
                die_imprint: (equipment == Equipment::DieMold).then_some("PH 10"),
                ring: NONE,
            });
        }
    }
}

pub(crate) fn background_index(background: Background) -> usize {
    match background {
        Background::Hispanic => 0,
        Background::Anglo => 1,
        Background::Asian => 2,
        Background::Black => 3,
    }
}

pub(crate) fn random_phone_number(rng: &mut ChaCha8Rng) -> u64 {
    let area = u64::from(tables::AREA_CODES[rng.random_range(0..tables::AREA_CODES.len())]);
    let exchange = rng.random_range(200..999u64);
    let line = rng.random_range(0..10_000u64);
    area * 10_000_000 + exchange * 10_000 + line
}

/// A point scattered around a centre, in degrees (normal-ish via the sum of uniforms).
pub(crate) fn jitter(lat: f64, lon: f64, spread: f64, rng: &mut ChaCha8Rng) -> (f64, f64) {
    let mut offset =
        || (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5) * spread;
    (lat + offset(), lon + offset())
}
