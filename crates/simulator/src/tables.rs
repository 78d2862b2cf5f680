//! Embedded reference tables: name frequencies, nicknames, monikers, California counties.
//!
//! Name weights approximate the US Census 2010 surname counts and Social Security given-name
//! popularity (in thousands), grouped so that each synthetic person draws a given and family
//! name from one background. Common names are meant to collide: that is what makes entity
//! resolution hard.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The four name backgrounds drawn from, with California's approximate population shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Background {
    Hispanic,
    Anglo,
    Asian,
    Black,
}

pub(crate) const BACKGROUND_WEIGHTS: [(Background, u32); 4] = [
    (Background::Hispanic, 39),
    (Background::Anglo, 38),
    (Background::Asian, 16),
    (Background::Black, 7),
];

const HISPANIC_FAMILY: &str = "Garcia:1166 Rodriguez:1095 Martinez:1060 Hernandez:1043 Lopez:875 Gonzalez:841 \
Perez:682 Sanchez:613 Ramirez:557 Torres:438 Flores:434 Rivera:391 Gomez:352 Diaz:348 Reyes:327 Morales:320 \
Cruz:314 Ortiz:297 Gutierrez:290 Chavez:282 Ramos:268 Ruiz:246 Alvarez:240 Mendoza:230 Castillo:223 Jimenez:217 \
Moreno:215 Romero:210 Herrera:207 Medina:201 Aguilar:195 Vargas:186 Castro:174 Guzman:168 Fernandez:167 \
Munoz:160 Mendez:150 Salazar:147 Soto:145 Delgado:141 Pena:138 Rios:136 Alvarado:135 Sandoval:133 Contreras:131 \
Valdez:130 Guerrero:127 Ortega:126 Estrada:125 Nunez:124 Maldonado:122 Vasquez:121 Dominguez:119 Espinoza:117 \
Figueroa:116 Luna:115 Juarez:113 Cabrera:107 Campos:105 Acosta:104 Vega:103 Navarro:102 Cervantes:98 Velasquez:96 \
Molina:95 Fuentes:92 Carrillo:91 Rosales:88 Avila:87 Ayala:86 Trujillo:85 Pacheco:84 Ibarra:83 Zamora:82 \
Quintero:60 Beltran:58 Zambada:12 Villarreal:80 Orozco:78 Lara:76 Serrano:75 Cardenas:74 Bautista:73";

const ANGLO_FAMILY: &str = "Smith:2443 Johnson:1933 Williams:1625 Brown:1437 Jones:1425 Miller:1161 Davis:1116 \
Wilson:802 Anderson:784 Thomas:756 Taylor:751 Moore:724 Martin:703 Thompson:665 White:660 Harris:624 Clark:563 \
Lewis:532 Robinson:530 Walker:523 Young:484 Allen:483 King:465 Wright:459 Scott:440 Hill:435 Green:430 Adams:428 \
Nelson:425 Baker:420 Hall:407 Campbell:386 Mitchell:384 Carter:377 Roberts:377 Phillips:342 Evans:342 Turner:335 \
Parker:318 Collins:306 Edwards:305 Stewart:304 Morris:295 Murphy:288 Cook:281 Rogers:280 Morgan:264 Cooper:258 \
Peterson:258 Bailey:249 Reed:246 Kelly:245 Howard:244 Cox:231 Ward:230 Richardson:228 Watson:225 Brooks:225 \
Wood:220 James:219 Bennett:216 Gray:215 Hughes:202 Price:198 Sanders:197 Myers:196 Long:195 Ross:194 Foster:192 \
Powell:177 Jenkins:176 Perry:175 Russell:173 Sullivan:172 Bell:171 Coleman:170 Butler:169 Henderson:168 Barnes:168 \
Fisher:163 Graham:158 Wallace:155 West:153 Cole:153 Hayes:152 Gibson:150 McDonald:140 O'Brien:100 Schmidt:120";

const ASIAN_FAMILY: &str = "Nguyen:438 Lee:693 Kim:175 Chen:131 Wang:126 Li:118 Tran:132 Le:106 Pham:78 \
Zhang:106 Liu:100 Huang:75 Wu:69 Yang:68 Lin:61 Chang:70 Patel:183 Singh:103 Wong:123 Chan:70 Park:70 Choi:40 \
Santos:139 Reyes:327 Cruz:314 Bautista:73 Hoang:40 Vu:45 Do:35 Ngo:30 Truong:30 Huynh:45 Dang:32 \
Yamamoto:15 Tanaka:15 Nakamura:14 Shah:60 Kumar:60 Gupta:30 Sharma:30 Cho:30 Kang:30 Zhao:30 Xu:30 Sun:25 Ma:30";

const BLACK_FAMILY: &str = "Johnson:1933 Williams:1625 Brown:1437 Jones:1425 Jackson:708 Davis:1116 Smith:2443 \
Harris:624 Robinson:530 Thomas:756 Thompson:665 White:660 Washington:177 Walker:523 Green:430 Lewis:532 Moore:724 \
Taylor:751 Wilson:802 Jefferson:40 Banks:60 Freeman:55 Coleman:170 Jenkins:176 Butler:169 Simmons:120 Bryant:115 \
Alexander:110 Griffin:100 Hayes:152 Mack:30 Hawkins:80 Dixon:70 Tucker:70 Franklin:75 Gaines:30 Pierce:70 \
Carter:377 Owens:80 Greene:55";

const HISPANIC_MALE: &str = "Jose:400 Juan:300 Luis:250 Carlos:240 Jesus:200 Miguel:190 Jorge:150 Antonio:160 \
Francisco:150 Alejandro:120 Manuel:120 Ricardo:90 Roberto:100 Eduardo:95 Fernando:80 Javier:90 Daniel:120 David:120 \
Pedro:70 Rafael:60 Sergio:70 Raul:60 Mario:70 Ruben:50 Hector:60 Oscar:70 Armando:40 Alberto:50 Enrique:40 Arturo:40 \
Ramon:35 Guadalupe:25 Ignacio:25 Gerardo:45 Martin:45 Adrian:50 Andres:35 Julian:30 Alfredo:30 Salvador:30 \
Angel:70 Victor:60 Cesar:40 Omar:40 Ivan:30 Joaquin:25 Rogelio:20 Efrain:15 Ismael:20 Abel:15";

const HISPANIC_FEMALE: &str = "Maria:500 Guadalupe:120 Ana:120 Rosa:80 Carmen:70 Juana:50 Veronica:60 Patricia:60 \
Elizabeth:70 Sandra:60 Leticia:40 Gabriela:60 Adriana:50 Claudia:50 Alejandra:50 Yesenia:30 Marisol:30 Araceli:20 \
Lucia:30 Daniela:50 Andrea:50 Jessica:60 Vanessa:40 Monica:50 Silvia:40 Teresa:40 Margarita:30 Isabel:40 Elena:40 \
Diana:40 Karla:30 Brenda:30 Lorena:30 Susana:20 Beatriz:20 Esperanza:15 Graciela:20 Josefina:20 Dolores:20 \
Alicia:40 Raquel:20 Sofia:40 Valeria:30 Ximena:15 Yolanda:25";

const ANGLO_MALE: &str = "James:480 John:460 Robert:450 Michael:440 William:400 David:380 Richard:250 Joseph:250 \
Thomas:230 Charles:220 Christopher:200 Daniel:190 Matthew:170 Anthony:140 Mark:130 Donald:120 Steven:120 Paul:110 \
Andrew:110 Joshua:110 Kenneth:100 Kevin:100 Brian:100 George:100 Timothy:80 Ronald:80 Edward:80 Jason:90 Jeffrey:80 \
Ryan:80 Jacob:70 Gary:60 Nicholas:70 Eric:60 Jonathan:60 Stephen:60 Larry:50 Justin:60 Scott:60 Brandon:60 \
Benjamin:60 Samuel:50 Gregory:50 Frank:40 Raymond:40 Patrick:40 Jack:40 Dennis:30 Jerry:30 Tyler:40 Aaron:30";

const ANGLO_FEMALE: &str = "Mary:350 Patricia:150 Jennifer:150 Linda:140 Elizabeth:140 Barbara:120 Susan:110 \
Jessica:100 Sarah:100 Karen:100 Nancy:80 Lisa:80 Margaret:80 Betty:70 Sandra:70 Ashley:70 Dorothy:60 Kimberly:70 \
Emily:70 Donna:60 Michelle:60 Carol:60 Amanda:60 Melissa:60 Deborah:50 Stephanie:50 Rebecca:50 Laura:50 Sharon:50 \
Cynthia:40 Kathleen:40 Amy:40 Shirley:40 Angela:40 Helen:40 Anna:40 Brenda:40 Pamela:30 Nicole:40 Samantha:40 \
Katherine:40 Emma:40 Christine:30 Debra:30 Rachel:30 Catherine:30 Carolyn:30 Janet:30 Heather:30 Megan:30";

const ASIAN_MALE: &str = "David:80 Michael:70 Kevin:60 Daniel:50 Andrew:40 Eric:40 Steven:30 Jason:30 Minh:40 \
Tuan:30 Hung:30 Long:20 Duc:20 Wei:40 Jun:30 Hao:20 Ming:20 Jian:20 Raj:30 Amit:30 Vikram:20 Sanjay:20 Arjun:20 \
Jae:20 Sung:20 Hyun:20 Hiroshi:10 Kenji:10 Mark:30 Paolo:15 Jose:40 Ramon:15 Rolando:10 Thanh:20 Quang:15";

const ASIAN_FEMALE: &str = "Jennifer:60 Linda:40 Grace:40 Michelle:40 Christine:40 Mai:30 Lan:30 Linh:30 Thuy:20 \
Hoa:20 Mei:40 Li:30 Xiu:20 Ying:20 Priya:30 Anjali:20 Sunita:20 Neha:20 Ji:20 Min:30 Soo:20 Yuki:10 Emiko:10 \
Maria:40 Angelica:15 Cristina:15 Rowena:10 Kim:30 Ngoc:20 Hanh:20 Jasmine:20 Tiffany:20 Helen:20";

const BLACK_MALE: &str = "James:150 Michael:140 Robert:120 John:100 William:100 Anthony:90 Charles:80 David:80 \
Willie:60 Kevin:60 Darnell:30 Tyrone:30 Andre:40 Marcus:50 Terrence:30 Derrick:40 Jerome:30 Reginald:30 \
Cedric:20 Lamar:20 Jamal:30 Malik:20 DeShawn:20 Dwayne:20 Curtis:30 Calvin:30 Leon:20 Maurice:30 Darius:20 \
Antoine:20 Jermaine:20 Tremaine:10 Isaiah:20 Xavier:20 Clarence:20";

const BLACK_FEMALE: &str = "Mary:120 Patricia:80 Linda:50 Angela:60 Tanisha:20 Keisha:20 Latoya:30 Ebony:20 \
Shanice:10 Tamika:20 Aaliyah:20 Jasmine:40 Imani:15 Kiara:20 Monique:30 Denise:40 Yolanda:30 Gloria:30 Brenda:40 \
Dorothy:40 Tiffany:30 Crystal:30 Alicia:30 Sharon:40 Shaniqua:10 Nia:15 Destiny:20 Diamond:10 Precious:10 \
Felicia:20 Latasha:20 Tasha:20 Regina:30 Vanessa:20 Janelle:15";

/// Common English and Spanish nicknames and short forms, as reported in place of the name.
pub(crate) const NICKNAMES: &[(&str, &[&str])] = &[
    ("Jose", &["Pepe", "Joe", "Chepe"]),
    ("Francisco", &["Paco", "Pancho", "Frank"]),
    ("Guadalupe", &["Lupe", "Lupita"]),
    ("Jesus", &["Chuy", "Chucho"]),
    ("Ignacio", &["Nacho"]),
    ("Enrique", &["Kike", "Henry"]),
    ("Alejandro", &["Alex", "Jando"]),
    ("Roberto", &["Beto", "Robert"]),
    ("Alberto", &["Beto", "Al"]),
    ("Eduardo", &["Lalo", "Eddie"]),
    ("Rafael", &["Rafa", "Ralph"]),
    ("Manuel", &["Manny", "Manolo"]),
    ("Antonio", &["Tony", "Toño"]),
    ("Gerardo", &["Jerry", "Lalo"]),
    ("Javier", &["Javi"]),
    ("Ricardo", &["Rick", "Richie"]),
    ("Fernando", &["Nando", "Fer"]),
    ("Salvador", &["Chava"]),
    ("Maria", &["Mari", "Mary"]),
    ("Juana", &["Juanita"]),
    ("Rosa", &["Rosie"]),
    ("Dolores", &["Lola"]),
    ("Graciela", &["Chela"]),
    ("William", &["Bill", "Will", "Billy"]),
    ("Robert", &["Bob", "Rob", "Bobby"]),
    ("Richard", &["Rick", "Dick", "Rich"]),
    ("James", &["Jim", "Jimmy", "Jamie"]),
    ("John", &["Johnny", "Jack"]),
    ("Michael", &["Mike", "Mikey"]),
    ("Joseph", &["Joe", "Joey"]),
    ("Thomas", &["Tom", "Tommy"]),
    ("Charles", &["Chuck", "Charlie"]),
    ("Christopher", &["Chris"]),
    ("Daniel", &["Dan", "Danny"]),
    ("Matthew", &["Matt"]),
    ("Anthony", &["Tony", "Ant"]),
    ("Steven", &["Steve"]),
    ("Edward", &["Ed", "Eddie", "Ted"]),
    ("Nicholas", &["Nick"]),
    ("Benjamin", &["Ben"]),
    ("Samuel", &["Sam"]),
    ("Jonathan", &["Jon"]),
    ("Andrew", &["Andy", "Drew"]),
    ("Kenneth", &["Ken", "Kenny"]),
    ("Ronald", &["Ron", "Ronnie"]),
    ("Donald", &["Don", "Donnie"]),
    ("Timothy", &["Tim"]),
    ("Gregory", &["Greg"]),
    ("Lawrence", &["Larry"]),
    ("Raymond", &["Ray"]),
    ("Jeffrey", &["Jeff"]),
    ("Patrick", &["Pat"]),
    ("Willie", &["Will"]),
    ("Terrence", &["Terry"]),
    ("Reginald", &["Reggie"]),
    ("Jennifer", &["Jenny", "Jen"]),
    ("Elizabeth", &["Liz", "Beth", "Betty"]),
    ("Margaret", &["Peggy", "Maggie"]),
    ("Patricia", &["Pat", "Trish", "Patty"]),
    ("Katherine", &["Kathy", "Kate"]),
    ("Kathleen", &["Kathy"]),
    ("Susan", &["Sue", "Suzy"]),
    ("Deborah", &["Debbie", "Deb"]),
    ("Rebecca", &["Becky"]),
    ("Kimberly", &["Kim"]),
    ("Samantha", &["Sam"]),
    ("Stephanie", &["Steph"]),
    ("Christine", &["Chris", "Tina"]),
    ("Angela", &["Angie"]),
];

/// Street monikers for ring members; some innocents have harmless ones too.
pub(crate) const MONIKERS: &[&str] = &[
    "Flaco", "Gordo", "Chapo", "Guero", "Primo", "Shorty", "Lil Mike", "Big Tone", "Smokey",
    "Chino", "Casper", "Sleepy", "Spider", "Droopy", "Payaso", "Boxer", "Tank", "Ghost", "Dreamer",
    "Lucky", "Diablo", "Menace", "Rascal", "Toro", "Oso", "Puppet", "Joker", "Trigger", "Negro",
    "Compa", "Tio", "Viejo", "Pelon", "Chivo", "Gato", "Lobo", "Cuervo", "Zorro", "Snoop", "Blue",
    "Pills", "Doc", "Bandit", "Sniper", "Tiny", "Junior", "Scrappy", "Mono", "Tigre", "Chato",
];

/// Plausible street names and suffixes for synthetic addresses.
pub(crate) const STREET_NAMES: &[&str] = &[
    "Main",
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Park",
    "Lake",
    "Hill",
    "Sunset",
    "Mission",
    "El Camino",
    "Alvarado",
    "Figueroa",
    "Broadway",
    "Market",
    "Valencia",
    "Mariposa",
    "Sierra",
    "Olive",
    "Walnut",
    "Magnolia",
    "Palm",
    "Vista",
    "Church",
    "Center",
    "Grand",
    "Harbor",
    "Orange",
    "Santa Fe",
    "San Pedro",
    "Pacific",
    "Atlantic",
    "Whittier",
    "Florence",
    "Central",
    "Vermont",
    "Western",
    "Normandie",
    "Hoover",
    "Alameda",
    "University",
    "College",
    "Meridian",
    "Fruitvale",
    "International",
    "MacArthur",
    "Foothill",
    "Bancroft",
    "Stockton",
    "Folsom",
    "Howard",
    "Geary",
    "Fulton",
    "Divisadero",
    "Imperial",
    "Euclid",
    "Adams",
    "Jackson",
    "Madison",
    "Monroe",
    "Chestnut",
    "Willow",
    "Birch",
    "Sycamore",
];

/// (full, abbreviated) street suffixes: agencies write one or the other.
pub(crate) const STREET_SUFFIXES: &[(&str, &str)] = &[
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Boulevard", "Blvd"),
    ("Drive", "Dr"),
    ("Road", "Rd"),
    ("Lane", "Ln"),
    ("Court", "Ct"),
    ("Way", "Way"),
    ("Place", "Pl"),
];

/// California area codes, for synthetic phone numbers.
pub(crate) const AREA_CODES: &[u16] = &[
    213, 310, 323, 424, 562, 626, 661, 747, 818, 209, 279, 408, 415, 510, 530, 559, 619, 628, 650,
    657, 669, 707, 714, 760, 805, 831, 858, 909, 916, 925, 949, 951,
];

pub(crate) const BANKS: &[&str] = &[
    "Bank of America",
    "Wells Fargo",
    "Chase",
    "Citibank",
    "US Bank",
    "Union Bank",
    "East West Bank",
    "Cathay Bank",
    "BBVA",
    "Banner Bank",
    "Golden 1 Credit Union",
    "SchoolsFirst FCU",
    "Mechanics Bank",
    "Banco Popular",
    "Navy Federal CU",
];

pub(crate) const CRYPTO_EXCHANGES: &[&str] = &[
    "Coinbase",
    "Kraken",
    "Binance",
    "LocalBitcoins",
    "unhosted",
    "Paxful",
];

pub(crate) const BUSINESS_WORDS: &[&str] = &[
    "Golden", "Pacific", "Sunrise", "Royal", "Star", "Valley", "Coastal", "Eagle", "Premier",
    "Lucky", "Bay", "Sierra", "Azteca", "Jalisco", "Dragon", "Lotus", "Phoenix", "Summit",
    "Western", "Delta", "Central", "Mission", "Oasis", "Palm", "Vista", "Liberty", "Crown",
    "Unity",
];

pub(crate) const BUSINESS_TYPES: &[&str] = &[
    "Auto Repair",
    "Car Wash",
    "Tire Shop",
    "Nail Salon",
    "Restaurant",
    "Taqueria",
    "Trucking",
    "Logistics",
    "Import Export",
    "Check Cashing",
    "Money Transfer",
    "Smoke Shop",
    "Cell Phone Repair",
    "Clothing",
    "Jewelry",
    "Construction",
    "Landscaping",
    "Cleaning Services",
    "Travel Agency",
    "Produce",
    "Furniture",
    "Pharmacy",
    "Chemical Supply",
    "Bakery",
    "Market",
    "Liquor",
];

pub(crate) const BUSINESS_FORMS: &[&str] = &["LLC", "Inc", "Corp", "Co", "", ""];

/// Counterfeit-pill stamps seen on the street and the colours they come in.
pub(crate) const IMPRINTS: &[&str] = &[
    "M 30", "M 30", "M 30", "A 215", "K 9", "K 56", "512", "M 523", "V 48 12", "30 M",
];
pub(crate) const PILL_COLOURS: &[&str] = &[
    "blue",
    "light blue",
    "blue",
    "green",
    "white",
    "pink",
    "yellow",
    "rainbow",
];
pub(crate) const DIE_MARKS: &[&str] = &[
    "chipped M serif",
    "double-struck 30",
    "offset bisect line",
    "shallow debossing",
    "raised rim burr",
    "worn left edge",
    "misaligned halves",
    "bevelled edge crack",
    "doubled stroke on 3",
    "pitted face",
];
pub(crate) const ADULTERANTS: &[&str] = &[
    "xylazine",
    "acetaminophen",
    "mannitol",
    "lidocaine",
    "caffeine",
    "procaine",
    "diphenhydramine",
    "inositol",
];
pub(crate) const PRESS_MAKERS: &[&str] = &[
    "TDP Tablet",
    "Natoli",
    "Korsch",
    "Fette",
    "RIVA",
    "Cadmach",
    "Shanghai Tianhe",
    "Guangzhou Xiaoyuan",
    "Ruian Ruida",
    "LFA Machines",
];

/// (country name as customs writes it, ISO alpha-2, UPU port prefix, relative parcel weight).
pub(crate) const PARCEL_ORIGINS: &[(&str, &str, &str, u32)] = &[
    ("CHINA", "cn", "CNPVG", 40),
    ("HONG KONG", "hk", "HKHKG", 10),
    ("INDIA", "in", "INBOM", 8),
    ("MEXICO", "mx", "MXMEX", 6),
    ("CANADA", "ca", "CATOR", 10),
    ("UNITED KINGDOM", "gb", "GBLON", 8),
    ("GERMANY", "de", "DEFRA", 7),
    ("VIETNAM", "vn", "VNSGN", 4),
    ("TAIWAN", "tw", "TWTPE", 3),
    ("NETHERLANDS", "nl", "NLAMS", 4),
];

/// California county seats and larger cities, by FIPS, for synthetic addresses.
pub(crate) fn cities(fips: &str) -> &'static [&'static str] {
    match fips {
        "06001" => &["Oakland", "Fremont", "Hayward", "Berkeley", "San Leandro"],
        "06003" => &["Markleeville"],
        "06005" => &["Jackson"],
        "06007" => &["Oroville", "Chico"],
        "06009" => &["San Andreas"],
        "06011" => &["Colusa"],
        "06013" => &["Martinez", "Richmond", "Antioch", "Concord"],
        "06015" => &["Crescent City"],
        "06017" => &["Placerville", "South Lake Tahoe"],
        "06019" => &["Fresno", "Clovis"],
        "06021" => &["Willows"],
        "06023" => &["Eureka", "Arcata"],
        "06025" => &["El Centro", "Calexico", "Brawley"],
        "06027" => &["Independence", "Bishop"],
        "06029" => &["Bakersfield", "Delano"],
        "06031" => &["Hanford"],
        "06033" => &["Lakeport", "Clearlake"],
        "06035" => &["Susanville"],
        "06037" => &[
            "Los Angeles",
            "Long Beach",
            "Compton",
            "Pasadena",
            "Lancaster",
            "Pomona",
            "Inglewood",
            "El Monte",
        ],
        "06039" => &["Madera"],
        "06041" => &["San Rafael", "Novato"],
        "06043" => &["Mariposa"],
        "06045" => &["Ukiah"],
        "06047" => &["Merced"],
        "06049" => &["Alturas"],
        "06051" => &["Bridgeport", "Mammoth Lakes"],
        "06053" => &["Salinas", "Monterey"],
        "06055" => &["Napa"],
        "06057" => &["Nevada City", "Grass Valley"],
        "06059" => &["Santa Ana", "Anaheim", "Irvine", "Garden Grove"],
        "06061" => &["Auburn", "Roseville"],
        "06063" => &["Quincy"],
        "06065" => &["Riverside", "Moreno Valley", "Corona", "Indio"],
        "06067" => &["Sacramento", "Elk Grove", "Citrus Heights"],
        "06069" => &["Hollister"],
        "06071" => &["San Bernardino", "Fontana", "Ontario", "Victorville"],
        "06073" => &[
            "San Diego",
            "Chula Vista",
            "Oceanside",
            "Escondido",
            "El Cajon",
        ],
        "06075" => &["San Francisco"],
        "06077" => &["Stockton", "Tracy", "Lodi"],
        "06079" => &["San Luis Obispo", "Paso Robles"],
        "06081" => &["Redwood City", "Daly City", "San Mateo"],
        "06083" => &["Santa Barbara", "Santa Maria"],
        "06085" => &["San Jose", "Sunnyvale", "Santa Clara"],
        "06087" => &["Santa Cruz", "Watsonville"],
        "06089" => &["Redding"],
        "06091" => &["Downieville"],
        "06093" => &["Yreka"],
        "06095" => &["Fairfield", "Vallejo"],
        "06097" => &["Santa Rosa", "Petaluma"],
        "06099" => &["Modesto", "Turlock"],
        "06101" => &["Yuba City"],
        "06103" => &["Red Bluff"],
        "06105" => &["Weaverville"],
        "06107" => &["Visalia", "Tulare", "Porterville"],
        "06109" => &["Sonora"],
        "06111" => &["Ventura", "Oxnard", "Thousand Oaks"],
        "06113" => &["Woodland", "Davis"],
        "06115" => &["Marysville"],
        _ => &["Sacramento"],
    }
}

/// Approximate 2010 Census population in thousands per county, to place people.
fn county_population_thousands(fips: &str) -> u32 {
    match fips {
        "06037" => 9819,
        "06073" => 3095,
        "06059" => 3010,
        "06065" => 2190,
        "06071" => 2035,
        "06085" => 1782,
        "06001" => 1510,
        "06067" => 1418,
        "06013" => 1049,
        "06019" => 930,
        "06029" => 840,
        "06075" => 805,
        "06111" => 823,
        "06081" => 718,
        "06077" => 685,
        "06099" => 514,
        "06097" => 484,
        "06107" => 442,
        "06095" => 413,
        "06053" => 415,
        "06083" => 424,
        "06061" => 348,
        "06079" => 270,
        "06087" => 262,
        "06041" => 252,
        "06047" => 256,
        "06007" => 220,
        "06113" => 200,
        "06017" => 181,
        "06025" => 175,
        "06089" => 177,
        "06039" => 151,
        "06031" => 152,
        "06055" => 136,
        "06023" => 135,
        "06057" => 98,
        "06101" => 94,
        "06045" => 88,
        "06115" => 72,
        "06033" => 65,
        "06103" => 63,
        "06069" => 55,
        "06109" => 55,
        "06009" => 45,
        "06093" => 45,
        "06005" => 38,
        "06035" => 35,
        "06021" => 28,
        "06015" => 28,
        "06011" => 21,
        "06063" => 20,
        "06027" => 18,
        "06043" => 18,
        "06051" => 14,
        "06105" => 14,
        "06049" => 10,
        "06091" => 3,
        _ => 1,
    }
}

// Copied verbatim from /work/shared/geo/ca_county_centroids.csv: planar area-weighted centroids
// of the US Census Bureau 2010 cartographic boundaries (public domain), see that folder's
// PROVENANCE.md.
const COUNTY_CENTROIDS: &str = include_str!("../data/ca_county_centroids.csv");

/// One California county: FIPS code, centroid and population weight.
#[derive(Debug, Clone)]
pub(crate) struct County {
    pub fips: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub population: u32,
}

pub(crate) fn counties() -> Vec<County> {
    COUNTY_CENTROIDS
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| {
            let mut parts = line.split(',');
            let fips = parts.next()?;
            let _name = parts.next()?;
            let lat = parts.next()?.trim().parse().ok()?;
            let lon = parts.next()?.trim().parse().ok()?;
            Some(County {
                fips,
                lat,
                lon,
                population: county_population_thousands(fips),
            })
        })
        .collect()
}

/// A weighted list sampled by binary search over cumulative weights.
#[derive(Debug, Clone)]
pub(crate) struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T: Copy> Weighted<T> {
    pub fn new(pairs: impl IntoIterator<Item = (T, u32)>) -> Weighted<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for (item, weight) in pairs {
            total += u64::from(weight.max(1));
            items.push(item);
            cumulative.push(total);
        }
        Weighted { items, cumulative }
    }

    pub fn sample(&self, rng: &mut ChaCha8Rng) -> T {
        let total = *self.cumulative.last().unwrap_or(&1);
        let pick = rng.random_range(0..total);
        let index = self.cumulative.partition_point(|&bound| bound <= pick);
        self.items[index.min(self.items.len() - 1)]
    }
}

fn parse_names(table: &'static str) -> Weighted<&'static str> {
    Weighted::new(table.split_whitespace().filter_map(|entry| {
        let (name, weight) = entry.rsplit_once(':')?;
        Some((name, weight.parse().unwrap_or(1)))
    }))
}

/// The name tables of one background.
#[derive(Debug, Clone)]
pub(crate) struct NameTables {
    pub family: Weighted<&'static str>,
    pub male: Weighted<&'static str>,
    pub female: Weighted<&'static str>,
}

/// Name tables for each background, in [`BACKGROUND_WEIGHTS`] order.
pub(crate) fn name_tables() -> [NameTables; 4] {
    let tables = |family, male, female| NameTables {
        family: parse_names(family),
        male: parse_names(male),
        female: parse_names(female),
    };
    [
        tables(HISPANIC_FAMILY, HISPANIC_MALE, HISPANIC_FEMALE),
        tables(ANGLO_FAMILY, ANGLO_MALE, ANGLO_FEMALE),
        tables(ASIAN_FAMILY, ASIAN_MALE, ASIAN_FEMALE),
        tables(BLACK_FAMILY, BLACK_MALE, BLACK_FEMALE),
    ]
}

/// Spanish spellings with accents, as a Spanish-speaking clerk or a Latin-1 system keeps them.
pub(crate) fn accented(name: &str) -> Option<&'static str> {
    Some(match name {
        "Munoz" => "Muñoz",
        "Pena" => "Peña",
        "Nunez" => "Núñez",
        "Ramirez" => "Ramírez",
        "Hernandez" => "Hernández",
        "Rodriguez" => "Rodríguez",
        "Martinez" => "Martínez",
        "Gonzalez" => "González",
        "Lopez" => "López",
        "Perez" => "Pérez",
        "Sanchez" => "Sánchez",
        "Jimenez" => "Jiménez",
        "Fernandez" => "Fernández",
        "Gomez" => "Gómez",
        "Diaz" => "Díaz",
        "Jose" => "José",
        "Jesus" => "Jesús",
        "Maria" => "María",
        "Raul" => "Raúl",
        "Ruben" => "Rubén",
        "Martin" => "Martín",
        "Andres" => "Andrés",
        "Adrian" => "Adrián",
        "Julian" => "Julián",
        "Ramon" => "Ramón",
        "Hector" => "Héctor",
        "Oscar" => "Óscar",
        "Angel" => "Ángel",
        "Efrain" => "Efraín",
        "Ivan" => "Iván",
        "Joaquin" => "Joaquín",
        "Lucia" => "Lucía",
        "Sofia" => "Sofía",
        _ => return None,
    })
}
