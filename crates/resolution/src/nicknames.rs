//! Given-name equivalence: nicknames, diminutives and English/Spanish cognates.
//!
//! A person booked as `BILL` by one agency is `WILLIAM` to another and `GUILLERMO` on a
//! Mexican document; `PEPE`, `JOE` and `JOSE` are the same man. The table below groups
//! such names; each group's first entry is its *canonical key*. Cognates share a group
//! (Jose with Joseph, Francisco with Francis) because US records anglicise Spanish
//! given names and the reverse happens in Mexican ones.
//!
//! A shared group is evidence, weaker than an exact match, never proof: the scorer
//! weighs it. Some short forms belong to several groups (`ALEX` is Alexander or
//! Alexandra, `CHRIS` is Christopher, Christine or Christian); [`given_name_groups`]
//! returns every group and [`canonical_given_name`] the first, most common one.
//! Entries are normalised tokens (upper-case ASCII, see `text`).
//!
//! The groups follow common US usage (the nickname lists used by genealogy and
//! record-linkage tools) and Spanish *hipocorísticos* (Pepe, Paco, Pancho, Chuy, Nacho,
//! Lupe, Chelo, Concha, Memo, Beto, Lalo, Quique).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The canonical key of the first group `token` belongs to, or `token` itself when it
/// is in none. `token` must be normalised (upper-case ASCII).
pub fn canonical_given_name(token: &str) -> &str {
    given_name_groups(token).first().copied().unwrap_or(token)
}

/// The canonical keys of every group `token` belongs to, most common first; empty when
/// the table does not know the name.
pub fn given_name_groups(token: &str) -> &'static [&'static str] {
    groups_by_name()
        .get(token)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Whether two normalised given names are equal or share a group.
pub fn given_names_equivalent(left: &str, right: &str) -> bool {
    if left == right {
        return true;
    }
    let right_groups = given_name_groups(right);
    given_name_groups(left)
        .iter()
        .any(|group| right_groups.contains(group))
}

/// Whether the table knows `token` as a given name. Name parsing uses it to tell
/// `GARCIA HERNANDEZ JOSE` (family first) from `JOSE GARCIA HERNANDEZ`.
pub fn is_known_given_name(token: &str) -> bool {
    groups_by_name().contains_key(token)
}

fn groups_by_name() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static GROUPS_BY_NAME: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    GROUPS_BY_NAME.get_or_init(|| {
        let mut groups_by_name: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for group in GIVEN_NAME_GROUPS {
            let canonical = group[0];
            for name in *group {
                let groups = groups_by_name.entry(name).or_default();
                if !groups.contains(&canonical) {
                    groups.push(canonical);
                }
            }
        }
        groups_by_name
    })
}

/// Each row is one group; its first entry is the canonical key. Order matters only for
/// names in several rows: the earlier row is the more common reading.
const GIVEN_NAME_GROUPS: &[&[&str]] = &[
    // ---- men
    &[
        "WILLIAM",
        "BILL",
        "WILL",
        "BILLY",
        "WILLIE",
        "WILLY",
        "LIAM",
        "GUILLERMO",
        "MEMO",
        "WILMER",
    ],
    &[
        "ROBERT", "BOB", "ROB", "BOBBY", "ROBBIE", "BERT", "ROBERTO", "BETO", "TITO",
    ],
    &[
        "JOSEPH", "JOE", "JOEY", "JOS", "JOSE", "PEPE", "PEPITO", "CHEPE", "CHEMA", "JOSEITO",
        "GIUSEPPE",
    ],
    &[
        "FRANCIS",
        "FRANK",
        "FRANCISCO",
        "PACO",
        "PANCHO",
        "FRANCO",
        "FRAN",
        "CISCO",
        "KIKO",
        "FRANKIE",
    ],
    &["FRANKLIN", "FRANK", "FRANKIE"],
    &["JESUS", "CHUY", "CHUCHO", "JESSE", "CHUCHITO"],
    &["IGNATIUS", "IGNACIO", "NACHO", "IGGY"],
    &[
        "ALEXANDER",
        "ALEX",
        "AL",
        "ALEJANDRO",
        "ALEX",
        "ALEXIS",
        "SANDY",
        "SASHA",
        "XANDER",
        "ALEC",
        "ALEJO",
        "JANDRO",
        "ALESSANDRO",
    ],
    &[
        "RICHARD", "RICK", "DICK", "RICKY", "RICH", "RICHIE", "RICARDO", "RICO", "RICKIE",
    ],
    &[
        "JAMES", "JIM", "JIMMY", "JAMIE", "JIMMIE", "DIEGO", "JAIME", "SANTIAGO", "JACOBO",
    ],
    &[
        "MICHAEL",
        "MIKE",
        "MIKEY",
        "MICKEY",
        "MICK",
        "MIGUEL",
        "MIGUELITO",
        "MICHEL",
        "MIGUE",
    ],
    &[
        "ANTHONY", "TONY", "ANTONIO", "TONO", "ANTON", "TONIO", "TONITO",
    ],
    &[
        "CHRISTOPHER",
        "CHRIS",
        "KIT",
        "TOPHER",
        "CRISTOBAL",
        "CRIS",
        "CHRISTY",
    ],
    &["CHRISTIAN", "CHRIS", "CRISTIAN", "KRISTIAN", "CRISTIANO"],
    &[
        "JOHN", "JACK", "JOHNNY", "JON", "JUAN", "JUANITO", "JUANCHO", "IVAN", "JOHNNIE", "SEAN",
        "SHAWN", "GIOVANNI", "JEAN",
    ],
    &[
        "CHARLES", "CHARLIE", "CHUCK", "CHAS", "CARL", "CARLOS", "CARLITOS", "CHARLY", "CHARLEY",
        "KARL",
    ],
    &["THOMAS", "TOM", "TOMMY", "TOMAS", "TOMASITO", "THOM"],
    &["DAVID", "DAVE", "DAVEY", "DAVY", "DAVIDCITO", "DAVO"],
    &["DANIEL", "DAN", "DANNY", "DANI", "DANILO"],
    &[
        "EDWARD", "ED", "EDDIE", "EDDY", "TED", "TEDDY", "NED", "EDUARDO", "LALO", "EDU",
    ],
    &["EDMUND", "ED", "EDDIE", "EDMUNDO", "MUNDO"],
    &["EDGAR", "ED", "EDDIE", "EDGARDO"],
    &["THEODORE", "TED", "TEDDY", "THEO", "TEODORO", "TEO"],
    &[
        "HENRY", "HANK", "HARRY", "HAL", "ENRIQUE", "QUIQUE", "KIKE", "HENRI", "HEINRICH",
    ],
    &["HAROLD", "HAL", "HARRY", "HAROLDO"],
    &["GERALD", "GERRY", "JERRY", "GERARDO", "LALO", "GERA"],
    &["JEREMIAH", "JERRY", "JEREMY", "JEREMIAS"],
    &["LAWRENCE", "LARRY", "LAURENCE", "LORENZO", "LENCHO", "ENZO"],
    &[
        "LOUIS", "LOU", "LOUIE", "LUIS", "LUCHO", "LUISITO", "LEWIS", "LUIGI",
    ],
    &["PETER", "PETE", "PEDRO", "PERICO", "PEDRITO", "PIERRE"],
    &["PAUL", "PAULIE", "PABLO", "PABLITO", "POLO"],
    &["STEPHEN", "STEVE", "STEVEN", "STEVIE", "ESTEBAN", "STEFAN"],
    &["ANDREW", "ANDY", "DREW", "ANDRES", "ANDRE", "ANDREAS"],
    &["MATTHEW", "MATT", "MATTY", "MATEO", "MATIAS", "MATHEW"],
    &["NICHOLAS", "NICK", "NICKY", "NICO", "NICOLAS", "COLE"],
    &[
        "PATRICK", "PAT", "PATTY", "PADDY", "RICK", "PATRICIO", "PATO",
    ],
    &["RAYMOND", "RAY", "RAMON", "MONCHO", "RAMONCITO", "MONCHI"],
    &["RAPHAEL", "RAFAEL", "RAFA", "RAFI", "FELO"],
    &["RODRIGO", "RODRI", "ROD", "RODDY", "RODERICK"],
    &["ROGER", "ROG", "ROGELIO", "ROY"],
    &["RONALD", "RON", "RONNIE", "RONALDO", "RONNY"],
    &["DONALD", "DON", "DONNIE", "DONNY"],
    &["KENNETH", "KEN", "KENNY"],
    &["GREGORY", "GREG", "GREGORIO", "GOYO", "GORO"],
    &["GEORGE", "JORGE", "GEORGIE", "COCO", "JORGITO"],
    &["SAMUEL", "SAM", "SAMMY", "SAMUELITO", "SAMI"],
    &["BENJAMIN", "BEN", "BENNY", "BENJI", "BENITO", "MINO"],
    &["JONATHAN", "JON", "JONNY", "JOHNNY", "NATE", "JONATAN"],
    &["NATHANIEL", "NATHAN", "NATE", "NAT", "NATANAEL"],
    &["JOSHUA", "JOSH", "JOSUE"],
    &["JACOB", "JAKE", "JAKOB", "JACOBO", "JACO"],
    &["ZACHARY", "ZACH", "ZACK", "ZAC", "ZACARIAS"],
    &["TIMOTHY", "TIM", "TIMMY", "TIMOTEO"],
    &["DOUGLAS", "DOUG", "DOUGIE"],
    &["ARTHUR", "ART", "ARTIE", "ARTURO", "TURO"],
    &["ALBERT", "AL", "BERT", "ALBERTO", "BETO", "TITO"],
    &["ALFRED", "AL", "ALFIE", "FRED", "ALFREDO", "FREDO"],
    &[
        "FREDERICK",
        "FRED",
        "FREDDY",
        "FREDDIE",
        "FRITZ",
        "FEDERICO",
        "FEDE",
        "FICO",
    ],
    &["ALFONSO", "PONCHO", "ALPHONSE", "FONSI", "PONCHITO"],
    &["ALVARO", "ALVARITO", "VARO"],
    &["ADOLFO", "FITO", "ADOLPH"],
    &["RODOLFO", "RUDY", "FITO", "RUDOLPH", "RUDI", "RODOLPHE"],
    &["HUMBERTO", "BETO", "HUMBERT"],
    &["GILBERTO", "BETO", "GIL", "GILBERT"],
    &["HERIBERTO", "BETO", "HERBERT", "HERB"],
    &["NORBERTO", "BETO", "NORBERT"],
    &["EDUARDO", "LALO", "EDDIE", "EDUARDITO"],
    &["GUSTAVO", "TAVO", "GUS", "GUSTAVE"],
    &["OCTAVIO", "TAVO", "OCTAVIUS"],
    &["REFUGIO", "CUCO", "CUCA"],
    &["SALVADOR", "CHAVA", "CHAVO", "SAL"],
    &["ROSENDO", "CHENDO"],
    &["ANSELMO", "CHEMO"],
    &["ANASTASIO", "TACHO"],
    &["EUSEBIO", "CHEVO"],
    &["ISIDRO", "CHILO", "ISIDORE"],
    &["LEONARDO", "LEO", "LEONARD", "LEN", "LENNY", "NARDO"],
    &["LEONEL", "LEO", "LIONEL"],
    &["FERNANDO", "FERNIE", "NANDO", "FER", "FERDINAND", "FERDIE"],
    &["ARMANDO", "MANDO", "ARMAND"],
    &["ORLANDO", "LANDO", "ROLAND", "ROLANDO", "ROLLIE"],
    &[
        "EMMANUEL", "MANUEL", "MANNY", "MANOLO", "MANOLITO", "MEMO", "MANU", "EMANUEL",
    ],
    &["SERGIO", "CHECO", "SERGE", "SERGEI"],
    &["EZEQUIEL", "CHEQUE", "ZEKE", "EZEKIEL"],
    &["MAXIMILIANO", "MAX", "MAXIMO", "MAXIMILIAN", "MAXIMUS"],
    &["VICTOR", "VIC", "VITO"],
    &["VINCENT", "VINCE", "VINNIE", "VICENTE", "CHENTE"],
    &["RAUL", "RAULITO", "RAOUL"],
    &["OSCAR", "OSKY", "OSQUI"],
    &["MARTIN", "MARTY", "TINO", "MARTINCITO"],
    &[
        "AUGUSTINE",
        "AUGUSTIN",
        "AGUSTIN",
        "TINO",
        "GUS",
        "AUGIE",
        "AUGUST",
        "AUGUSTO",
    ],
    &["CONSTANTINO", "TINO", "CONSTANTINE"],
    &["CELESTINO", "TINO"],
    &["FAUSTINO", "TINO"],
    &["VALENTIN", "VALE", "VALENTINE", "VAL"],
    &["JOAQUIN", "JOACO", "QUINO", "JOACHIM"],
    &["ABRAHAM", "ABE", "ABRAM", "ABRAN"],
    &["ISAAC", "IKE", "ISAC", "ZAK"],
    &["ELIJAH", "ELI", "ELIAS", "ELIAH"],
    &["GABRIEL", "GABE", "GABI", "GABY", "GABO"],
    &["EMILIO", "EMIL", "MILO", "EMILE"],
    &["ERNEST", "ERNIE", "ERNESTO", "NETO", "TITO"],
    &["EUGENE", "GENE", "EUGENIO", "GENO"],
    &["JULIAN", "JULES", "JULIO", "JULIANO"],
    &["LEOPOLDO", "POLO", "LEOPOLD", "LEO"],
    &["HIPOLITO", "POLO"],
    &["APOLINAR", "POLO"],
    &["RIGOBERTO", "RIGO", "BETO"],
    &["REYNALDO", "REY", "REYNOLD", "RONALDO", "NALDO"],
    &["SILVESTRE", "CHEVE", "SYLVESTER", "SLY"],
    &["WALTER", "WALT", "WALLY", "GUALTERIO"],
    &["WALLACE", "WALLY"],
    &["DOMINIC", "DOM", "DOMINICK", "DOMINGO", "MINGO"],
    &["BERNARD", "BERNIE", "BERNARDO", "NARDO"],
    &["LEROY", "ROY", "LEE"],
    &["RAYNOLD", "RAY"],
    &["CLIFFORD", "CLIFF"],
    &["PHILIP", "PHIL", "FELIPE", "PIPE", "PHILLIP", "PIP"],
    &["ADRIAN", "ADRIANO", "ADE"],
    &["IVAN", "VANYA"],
    &["AARON", "RON", "ARON"],
    &["HECTOR", "TITO", "HEC"],
    &["OMAR", "OMI"],
    &["CESAR", "CHAR", "CHECHAR"],
    &["MARCUS", "MARC", "MARK", "MARCO", "MARCOS", "MARKY"],
    &["EFRAIN", "EFRA", "EPHRAIM"],
    &["ESTEBAN", "TEBAN", "STEVE"],
    &["SEBASTIAN", "SEBAS", "SEBASTIANO", "BASTIAN"],
    &["DEMETRIO", "METRO", "DEMETRIUS"],
    &["SIMON", "SI"],
    &["NOAH", "NOE"],
    &["MOSES", "MOISES", "MOE"],
    &["TERRENCE", "TERRY", "TERENCE"],
    &["RANDOLPH", "RANDY", "RANDALL"],
    &["STANLEY", "STAN"],
    &["BRADLEY", "BRAD"],
    &["GERMAN", "HERMAN"],
    &["CRISTOBAL", "TOBAL", "CHRISTOPHER"],
    &["ALONSO", "ALONZO", "LONNIE", "LON"],
    &["CORNELIUS", "CORNELIO", "NEIL", "CORNEL"],
    &["EVERARDO", "LALO"],
    &["ALEJANDRO", "ALEX", "JANDRO", "ALEJO"],
    // ---- women
    &[
        "ELIZABETH",
        "LIZ",
        "BETH",
        "BETTY",
        "LIZZIE",
        "LIZA",
        "ELIZA",
        "BETSY",
        "LISA",
        "ELISA",
        "ELSA",
        "ISABEL",
        "ISABELLA",
        "CHABELA",
        "LILIBETH",
        "LIBBY",
        "ELISABETH",
        "BESS",
    ],
    &[
        "MARGARET",
        "PEGGY",
        "MAGGIE",
        "MEG",
        "MARGE",
        "MARGIE",
        "MARGARITA",
        "MAGO",
        "RITA",
        "GRETA",
        "DAISY",
        "MARGOT",
    ],
    &[
        "MARY", "MARIA", "MARIE", "MOLLY", "POLLY", "MAMIE", "MARI", "MAYA", "MARIAH", "MARICELA",
        "MARUCA", "MAIA",
    ],
    &["GUADALUPE", "LUPE", "LUPITA", "GUADA", "PITA"],
    &["CARMEN", "CARMELA", "CARMELITA", "MELY", "CARMINA"],
    &["ANGELES", "ANGIE", "MARIANGELES"],
    &["CONSUELO", "CHELO", "CONCHI"],
    &["CONCEPCION", "CONCHA", "CONCHITA", "CONCHI", "CONNIE"],
    &["DOLORES", "LOLA", "LOLITA", "LOLI", "DOLLY", "DELORES"],
    &["MERCEDES", "MECHE", "MERCHE", "MERCY", "SADIE"],
    &["ROSARIO", "CHARO", "CHAYO"],
    &["SOLEDAD", "CHOLE", "SOLE"],
    &["ASUNCION", "CHON", "CHONITA"],
    &["ENCARNACION", "CHONA", "ENCARNA"],
    &["REFUGIA", "CUCA"],
    &["GRACIELA", "CHELA", "GRACE", "GRACIE", "GRACIA"],
    &["ARACELI", "CHELI", "ARA"],
    &["ROSA", "ROSE", "ROSIE", "ROSITA", "CHAYITO"],
    &["ROSALINDA", "ROSA", "LINDA", "ROSIE"],
    &["ROSEMARY", "ROSAMARIA", "ROSE", "ROSIE"],
    &[
        "ANNA", "ANN", "ANNE", "ANNIE", "ANA", "ANITA", "NAN", "NANCY", "HANNAH", "ANNETTE",
    ],
    &["ANGELA", "ANGIE", "ANGELICA", "ANGELITA"],
    &[
        "KATHERINE",
        "KATE",
        "KATHY",
        "KATIE",
        "KAT",
        "KATHRYN",
        "CATHERINE",
        "CATHY",
        "CATALINA",
        "CATA",
        "KAY",
        "KITTY",
        "KATY",
        "CAITLIN",
        "KATIA",
        "CATY",
    ],
    &["JENNIFER", "JEN", "JENNY", "JENN", "JENI", "JENNIE"],
    &[
        "PATRICIA", "PAT", "PATTY", "TRISH", "TRICIA", "PATY", "PATTI", "PATI",
    ],
    &[
        "SUSAN", "SUE", "SUSIE", "SUZY", "SUSANA", "SUZANNE", "SUZANA", "SUSY",
    ],
    &["BARBARA", "BARB", "BABS", "BARBIE", "BARBRA"],
    &["DEBORAH", "DEB", "DEBBIE", "DEBRA", "DEBI"],
    &["REBECCA", "BECKY", "BECCA", "BECA", "REBECA"],
    &["JESSICA", "JESS", "JESSIE", "JESSY"],
    &[
        "CHRISTINE",
        "CHRIS",
        "CHRISSY",
        "TINA",
        "KRISTINE",
        "CRISTINA",
        "CHRISTINA",
        "KRISTEN",
        "KRISTIN",
        "KRISTY",
        "CRIS",
    ],
    &[
        "ALEXANDRA",
        "ALEX",
        "ALEJANDRA",
        "ALEXA",
        "LEXI",
        "SANDRA",
        "SANDY",
        "ALE",
        "SASHA",
    ],
    &["SAMANTHA", "SAM", "SAMMY", "SAMMIE"],
    &["VICTORIA", "VICKY", "VICKIE", "TORI", "VIKY", "VIC"],
    &[
        "JOSEPHINE",
        "JO",
        "JOSIE",
        "JOSEFINA",
        "JOSEFA",
        "FINA",
        "PEPA",
        "PEPITA",
        "CHEPA",
    ],
    &[
        "FRANCES",
        "FRAN",
        "FRANNIE",
        "FRANCISCA",
        "PANCHA",
        "PAQUITA",
        "FRANCINE",
        "FRANKIE",
        "FANNY",
    ],
    &["JESUSA", "CHUYITA", "CHUCHA"],
    &["IGNACIA", "NACHA"],
    &["ALICIA", "ALICE", "ALI", "LICHA", "ALLIE"],
    &["CECILIA", "CECI", "CHECHI", "CISSY", "CECILY"],
    &["LETICIA", "LETY", "LETI", "TISH"],
    &["BEATRIZ", "BEA", "BETTY", "BEATRICE", "TRIXIE", "BETI"],
    &[
        "ELENA", "HELEN", "ELLEN", "NELLIE", "LENA", "HELENA", "ELE", "ELAINE",
    ],
    &["EUGENIA", "GENA", "GENIE", "EUGENIE"],
    &["DOROTHY", "DOT", "DOTTIE", "DOLLY", "DOROTEA"],
    &["JUDITH", "JUDY", "JUDI", "JUDIT"],
    &["LINDA", "LINDY", "LIN"],
    &["SARAH", "SARA", "SALLY", "SADIE", "SARITA"],
    &["MARTHA", "MARTY", "MATTIE", "MARTA", "MARTITA"],
    &[
        "THERESA", "TERESA", "TERRY", "TESS", "TESSA", "TERE", "TETE", "TRACY", "TERRI",
    ],
    &["VERONICA", "RONNIE", "VERO", "NICKY"],
    &["MONICA", "MONI", "MONIQUE"],
    &["DANIELA", "DANI", "DANIELLE", "DANNY", "DANA"],
    &["GABRIELA", "GABY", "GABI", "GABRIELLE", "ELLA"],
    &["ADRIANA", "ADRI", "ADRIANNE", "ADRIENNE"],
    &["FERNANDA", "FER", "NANDA", "FERNANDITA"],
    &["PAULA", "PAU", "PAULINA", "PAULINE", "POLLY", "PAULITA"],
    &["JULIA", "JULIE", "JULIETA", "JULIANA", "JULI", "JULES"],
    &["LUCIA", "LUCY", "LUZ", "LUCHA", "LULU", "LUCIE"],
    &["LOURDES", "LULU", "LULA", "LOU"],
    &["ESPERANZA", "ESPE", "LANCHA"],
    &["ESTHER", "ESTER", "TETE", "HETTY"],
    &["SOFIA", "SOPHIA", "SOPHIE", "SOFI"],
    &["VIRGINIA", "GINNY", "VIRGI", "GINA"],
    &["REGINA", "GINA", "REGI"],
    &["RAQUEL", "RACHEL", "RAQUELITA", "SHELLY"],
    &[
        "MICHELLE", "SHELLY", "MICHELE", "MICHI", "MICAELA", "MICHAELA",
    ],
    &["CYNTHIA", "CINDY", "CINTIA"],
    &["LUCINDA", "CINDY", "LUCY"],
    &["ABIGAIL", "ABBY", "GAIL", "ABI"],
    &["AMANDA", "MANDY", "AMY"],
    &["AMELIA", "MILLIE", "AMY", "EMILIA", "MEL"],
    &["EMILY", "EMMA", "EMILIA", "EMMY", "MILLY"],
    &[
        "ISABEL", "ISABELLA", "BELLA", "CHABELA", "CHAVELA", "IZZY", "BELLE", "ISA",
    ],
    &["MELISSA", "MEL", "MISSY", "LISSA", "MELISA"],
    &["KIMBERLY", "KIM", "KIMMY", "KIMBERLEY"],
    &[
        "STEPHANIE",
        "STEPH",
        "STEFANIA",
        "ESTEFANIA",
        "FANY",
        "STEFANY",
    ],
    &["NATALIE", "NATALIA", "NAT", "NATY", "TALIA", "NATASHA"],
    &["YOLANDA", "YOLI", "YOYIS", "YOLA"],
    &["ALEJANDRINA", "ALE", "DRINA"],
    &["ERNESTINA", "TINA", "NETA"],
    &["AGUSTINA", "TINA"],
    &["VALENTINA", "VALE", "TINA"],
    &["CRISTINA", "CRIS", "TINA", "CHRISTINA"],
    &["ALBERTA", "BERTA", "BERTHA", "BETTY"],
    &["ROBERTA", "BOBBIE", "BERTA", "ROBBIE"],
    &["NORMA", "NORMITA"],
    &["BLANCA", "BLANCHE"],
    &["CLAUDIA", "CLAU", "CLAUDINE"],
    &["SILVIA", "SYLVIA", "SILVI"],
    &["ANTONIA", "TONI", "TONA", "TONIA"],
    &["FRANCINE", "FRAN"],
    &[
        "CAROLINE", "CAROLINA", "CAROL", "CARRIE", "CARO", "CAROLYN", "LINA",
    ],
    &["CHARLOTTE", "CHARLIE", "LOTTIE", "CARLOTA", "CARLY"],
    &["DIANA", "DIANE", "DI", "DIANITA"],
    &["EVELYN", "EVE", "EVA", "EVIE", "EVELIA"],
    &["EDITH", "EDIE", "EDITA"],
    &["HELEN", "ELENA", "NELL", "NELLIE", "ELLIE"],
    &["JACQUELINE", "JACKIE", "JACKY", "JACQUI"],
    &[
        "JOANNA", "JOAN", "JOANNE", "JO", "JUANA", "JUANITA", "JOANIE", "JANE", "JEANNE", "JEAN",
        "JANET", "JANIE",
    ],
    &["JUANA", "JUANITA", "JUANI"],
    &["LAURA", "LAURIE", "LORI", "LAURITA", "LOLO"],
    &["LORRAINE", "LORI", "RAINE"],
    &["LILLIAN", "LILY", "LILI", "LILIANA", "LIL", "LILIA"],
    &["MARGARITA", "MAGO", "MARGO", "RITA", "MAGGIE"],
    &["OLGA", "OLGUITA"],
    &["PILAR", "PILI"],
    &["PRISCILLA", "PRISCILA", "CILLA", "PRISSY"],
    &["RAMONA", "MONCHA", "MONA"],
    &["SANDRA", "SANDY", "SANDI", "SANDRITA"],
    &["TAMARA", "TAMMY", "TAMI"],
    &["VALERIE", "VALERIA", "VAL", "VALE"],
    &["WILHELMINA", "MINA", "WILMA", "BILLIE"],
    &["ZOILA", "ZOI"],
    &["ALMA", "ALMITA"],
];

#[cfg(test)]
mod tests {
    use super::{canonical_given_name, given_names_equivalent, is_known_given_name};

    /// `(left, right, equivalent)`: whether two given names share a group.
    fn check(cases: &[(&str, &str, bool)]) {
        for (left, right, expected) in cases {
            assert_eq!(
                given_names_equivalent(left, right),
                *expected,
                "{left} ~ {right}"
            );
            assert_eq!(
                given_names_equivalent(right, left),
                *expected,
                "{right} ~ {left} (symmetry)"
            );
        }
    }

    #[test]
    fn nicknames_and_cognates_share_a_group() {
        check(&[
            ("WILLIAM", "BILL", true),
            ("BILLY", "WILL", true),
            ("GUILLERMO", "BILL", true),
            ("ROBERT", "BOBBY", true),
            ("JOSE", "PEPE", true),
            ("JOSE", "JOE", true),
            ("JOSEPH", "JOE", true),
            ("FRANCISCO", "PANCHO", true),
            ("PACO", "FRANK", true),
            ("GUADALUPE", "LUPE", true),
            ("JESUS", "CHUY", true),
            ("IGNACIO", "NACHO", true),
            ("ALEJANDRO", "ALEX", true),
            ("ELIZABETH", "LIZ", true),
            ("BETH", "LIZ", true),
            ("MARGARET", "PEGGY", true),
            ("MAGGIE", "PEGGY", true),
            ("RICHARD", "DICK", true),
            ("JAMES", "JIMMY", true),
            ("MICHAEL", "MIKE", true),
            ("ANTHONY", "TONY", true),
            ("CHRISTOPHER", "CHRIS", true),
            ("JENNIFER", "JEN", true),
            ("KATHERINE", "KATHY", true),
            ("KATE", "KATHY", true),
            // A short form of several names matches each of them.
            ("ALEX", "ALEXANDRA", true),
            ("CHRIS", "CHRISTINE", true),
            ("SAMANTHA", "SAM", true),
            ("SAMUEL", "SAM", true),
            // Equal names match even when the table does not know them.
            ("XOCHITL", "XOCHITL", true),
            // Different people.
            ("WILLIAM", "ROBERT", false),
            ("JOSE", "JESUS", false),
            ("ALEXANDER", "ALEXANDRA", false),
            ("CHRISTOPHER", "CHRISTINE", false),
            ("XOCHITL", "MARIA", false),
        ]);
    }

    #[test]
    fn canonical_keys_are_the_first_group() {
        let cases = [
            ("BILL", "WILLIAM"),
            ("PEPE", "JOSEPH"),
            ("JOE", "JOSEPH"),
            ("PANCHO", "FRANCIS"),
            ("CHUY", "JESUS"),
            ("LUPE", "GUADALUPE"),
            ("XOCHITL", "XOCHITL"),
        ];
        for (token, expected) in cases {
            assert_eq!(
                canonical_given_name(token),
                expected,
                "canonical of {token}"
            );
        }
        assert!(is_known_given_name("JOSE"));
        assert!(!is_known_given_name("HERNANDEZ"));
    }

    #[test]
    fn table_entries_are_normalised_and_not_surnames() {
        for group in super::GIVEN_NAME_GROUPS {
            for name in *group {
                let normalised: Vec<String> =
                    name.split(' ').map(crate::text::normalise_token).collect();
                assert_eq!(
                    normalised.join(" "),
                    *name,
                    "table entry {name:?} is not normalised"
                );
            }
        }
    }
}
