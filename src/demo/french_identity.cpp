#include "demo/french_identity.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace vigie::demo {

namespace {

constexpr auto kCities = std::to_array<City>({
    {"Paris", "75", "111", "75011"},
    {"Paris", "75", "115", "75015"},
    {"Paris", "75", "118", "75018"},
    {"Paris", "75", "120", "75020"},
    {"Marseille", "13", "205", "13005"},
    {"Marseille", "13", "213", "13013"},
    {"Lyon", "69", "383", "69003"},
    {"Lyon", "69", "388", "69008"},
    {"Toulouse", "31", "555", "31000"},
    {"Nice", "06", "088", "06000"},
    {"Nantes", "44", "109", "44000"},
    {"Strasbourg", "67", "482", "67000"},
    {"Montpellier", "34", "172", "34000"},
    {"Bordeaux", "33", "063", "33000"},
    {"Lille", "59", "350", "59000"},
    {"Rennes", "35", "238", "35000"},
    {"Reims", "51", "454", "51100"},
    {"Le Havre", "76", "351", "76600"},
    {"Saint-Étienne", "42", "218", "42000"},
    {"Toulon", "83", "137", "83000"},
    {"Grenoble", "38", "185", "38000"},
    {"Dijon", "21", "231", "21000"},
    {"Angers", "49", "007", "49000"},
    {"Nîmes", "30", "189", "30000"},
    {"Clermont-Ferrand", "63", "113", "63000"},
    {"Le Mans", "72", "181", "72000"},
    {"Aix-en-Provence", "13", "001", "13100"},
    {"Brest", "29", "019", "29200"},
    {"Tours", "37", "261", "37000"},
    {"Amiens", "80", "021", "80000"},
    {"Limoges", "87", "085", "87000"},
    {"Perpignan", "66", "136", "66000"},
    {"Metz", "57", "463", "57000"},
    {"Besançon", "25", "056", "25000"},
    {"Orléans", "45", "234", "45000"},
    {"Rouen", "76", "540", "76000"},
    {"Caen", "14", "118", "14000"},
    {"Nancy", "54", "395", "54000"},
    {"Avignon", "84", "007", "84000"},
    {"Poitiers", "86", "194", "86000"},
    {"Pau", "64", "445", "64000"},
    {"La Rochelle", "17", "300", "17000"},
    {"Quimper", "29", "232", "29000"},
    {"Annecy", "74", "010", "74000"},
    {"Chambéry", "73", "065", "73000"},
    {"Valence", "26", "362", "26000"},
    {"Montreuil", "93", "048", "93100"},
    {"Saint-Denis", "93", "066", "93200"},
    {"Versailles", "78", "646", "78000"},
    {"Créteil", "94", "028", "94000"},
    {"Argenteuil", "95", "018", "95100"},
    {"Nanterre", "92", "050", "92000"},
    {"Boulogne-Billancourt", "92", "012", "92100"},
    {"Melun", "77", "288", "77000"},
    {"Mulhouse", "68", "224", "68100"},
    {"Colmar", "68", "066", "68000"},
    {"Troyes", "10", "387", "10000"},
    {"Bayonne", "64", "102", "64100"},
    {"Lorient", "56", "121", "56100"},
    {"Vannes", "56", "260", "56000"},
    {"Saint-Malo", "35", "288", "35400"},
    {"Laval", "53", "130", "53000"},
    {"Niort", "79", "191", "79000"},
    {"Angoulême", "16", "015", "16000"},
    {"Cahors", "46", "042", "46000"},
    {"Albi", "81", "004", "81000"},
    {"Rodez", "12", "202", "12000"},
    {"Aurillac", "15", "014", "15000"},
    {"Le Puy-en-Velay", "43", "157", "43000"},
    {"Gap", "05", "061", "05000"},
    {"Mende", "48", "095", "48000"},
    {"Guéret", "23", "096", "23000"},
    {"Bourg-en-Bresse", "01", "053", "01000"},
    {"Saint-Quentin", "02", "691", "02100"},
    {"Pointe-à-Pitre", "97", "120", "97110"},
    {"Fort-de-France", "97", "209", "97200"},
    {"Saint-Denis", "97", "411", "97400"},
    {"Ajaccio", "2A", "004", "20000"},
    {"Porto-Vecchio", "2A", "247", "20137"},
    {"Sartène", "2A", "272", "20100"},
    {"Bastia", "2B", "033", "20200"},
    {"Corte", "2B", "096", "20250"},
    {"Calvi", "2B", "050", "20260"},
});

constexpr auto kBirthCountries = std::to_array<BirthCountry>({
    {"Maroc", "350", "MA", NameOrigin::kMaghreb},
    {"Algérie", "352", "DZ", NameOrigin::kMaghreb},
    {"Tunisie", "351", "TN", NameOrigin::kMaghreb},
    {"Sénégal", "341", "SN", NameOrigin::kWestAfrica},
    {"Mali", "335", "ML", NameOrigin::kWestAfrica},
    {"Côte d'Ivoire", "326", "CI", NameOrigin::kWestAfrica},
    {"Portugal", "139", "PT", NameOrigin::kIberia},
    {"Espagne", "134", "ES", NameOrigin::kIberia},
    {"Italie", "127", "IT", NameOrigin::kItaly},
    {"Viêt Nam", "243", "VN", NameOrigin::kVietnam},
});

constexpr auto kSettledOrigins = std::to_array<NameOrigin>({
    NameOrigin::kMaghreb,
    NameOrigin::kWestAfrica,
    NameOrigin::kIberia,
    NameOrigin::kItaly,
    NameOrigin::kVietnam,
});

constexpr auto kFrenchFamilies = std::to_array<std::string_view>({
    "Martin",   "Bernard",   "Dubois",    "Thomas",    "Robert",   "Richard",  "Petit",
    "Durand",   "Leroy",     "Moreau",    "Simon",     "Laurent",  "Lefèvre",  "Michel",
    "David",    "Bertrand",  "Roux",      "Vincent",   "Fournier", "Morel",    "Girard",
    "André",    "Mercier",   "Dupont",    "Lambert",   "Bonnet",   "François", "Legrand",
    "Garnier",  "Faure",     "Rousseau",  "Blanc",     "Guérin",   "Müller",   "Henry",
    "Roussel",  "Perrin",    "Morin",     "Mathieu",   "Clément",  "Gauthier", "Dumont",
    "Fontaine", "Chevalier", "Robin",     "Le Gall",   "Le Goff",  "Hébert",   "Lemaître",
    "Bénard",   "Ménard",    "Brunet",    "Lacroix",   "Carré",    "Boyer",    "Poirier",
    "Dupré",    "Schmitt",   "Schneider", "Le Bihan",  "Kerhervé", "Château",  "Béranger",
    "Lemoine",  "Chéreau",   "Delacroix", "Pelletier", "Sénéchal", "Thiébaut", "Lévêque",
});
constexpr auto kFrenchFemale = std::to_array<std::string_view>({
    "Élodie",   "Hélène",     "Françoise", "Marie",        "Anne-Sophie", "Chloé",    "Léa",
    "Zoé",      "Maëlle",     "Inès",      "Céline",       "Nathalie",    "Isabelle", "Sylvie",
    "Monique",  "Jacqueline", "Geneviève", "Thérèse",      "Agnès",       "Béatrice", "Noémie",
    "Clémence", "Laëtitia",   "Éloïse",    "Marie-Claire", "Josiane",     "Odette",   "Renée",
    "Mélanie",  "Camille",    "Manon",     "Lucie",        "Solène",      "Gaëlle",   "Mathilde",
    "Aurélie",  "Danièle",    "Ghislaine", "Yvette",       "Jeanne",
});
constexpr auto kFrenchMale = std::to_array<std::string_view>({
    "Benoît",   "Jean-François", "Jérôme",  "François",  "Stéphane", "Frédéric", "Sébastien",
    "Jean",     "Pierre",        "Michel",  "André",     "René",     "Gérard",   "Noël",
    "Loïc",     "Hervé",         "Cédric",  "Raphaël",   "Gaël",     "Joël",     "Jean-Pierre",
    "Jean-Luc", "Éric",          "Thierry", "Théo",      "Hugo",     "Lucas",    "Mathéo",
    "Léon",     "Émile",         "Maël",    "Jérémie",   "Aurélien", "Grégoire", "Bernard",
    "Yves",     "Jacques",       "Marcel",  "Guillaume", "Régis",
});

constexpr auto kCorsicanFamilies = std::to_array<std::string_view>({
    "Santoni",
    "Filippi",
    "Luciani",
    "Colonna",
    "Pietri",
    "Mattei",
    "Casanova",
    "Leca",
    "Ottaviani",
    "Paoli",
    "Albertini",
    "Giacomoni",
    "Susini",
    "Cristofini",
    "Poli",
    "Orsini",
});
constexpr auto kCorsicanFemale = std::to_array<std::string_view>({
    "Marie-Dominique",
    "Antonia",
    "Letizia",
    "Angèle",
    "Francesca",
    "Marie-Josée",
    "Paule",
    "Ghjulia",
});
constexpr auto kCorsicanMale = std::to_array<std::string_view>({
    "Jean-Toussaint",
    "Dominique",
    "Ange",
    "Paul-Antoine",
    "Xavier",
    "Pierre-Paul",
    "Orsu",
    "Jean-Baptiste",
});

constexpr auto kMaghrebFamilies = std::to_array<std::string_view>({
    "Benali",
    "Haddad",
    "Belkacem",
    "Bouzid",
    "Mansouri",
    "Chérif",
    "Aït Ahmed",
    "Ben Saïd",
    "Zeroual",
    "El Amrani",
    "Benyahia",
    "Hamidi",
});
constexpr auto kMaghrebFemale = std::to_array<std::string_view>({
    "Aïcha",
    "Fatima",
    "Yasmina",
    "Nadia",
    "Samira",
    "Leïla",
    "Malika",
    "Soraya",
    "Meriem",
});
constexpr auto kMaghrebMale = std::to_array<std::string_view>({
    "Karim",
    "Youssef",
    "Mohamed",
    "Rachid",
    "Saïd",
    "Mehdi",
    "Nabil",
    "Farid",
    "Yacine",
    "Abdelkader",
});

constexpr auto kWestAfricanFamilies = std::to_array<std::string_view>({
    "N'Diaye",
    "Diallo",
    "Traoré",
    "Sow",
    "Koné",
    "Diop",
    "Coulibaly",
    "Camara",
    "Ba",
    "Cissé",
    "Fofana",
    "Kouassi",
});
constexpr auto kWestAfricanFemale = std::to_array<std::string_view>({
    "Fatou",
    "Aminata",
    "Awa",
    "Mariama",
    "Aïssatou",
    "Kadiatou",
    "Rokia",
    "Ndeye",
});
constexpr auto kWestAfricanMale = std::to_array<std::string_view>({
    "Mamadou",
    "Moussa",
    "Ousmane",
    "Ibrahima",
    "Abdoulaye",
    "Cheikh",
    "Souleymane",
    "Seydou",
});

constexpr auto kIberianFamilies = std::to_array<std::string_view>({
    "Da Silva",
    "D'Almeida",
    "Ferreira",
    "Pereira",
    "Fernandes",
    "Gonçalves",
    "Rodrigues",
    "Martins",
    "Lopes",
    "Garcia",
    "Martinez",
    "Sánchez",
    "Fernández",
    "Pérez",
    "Gómez",
});
constexpr auto kIberianFemale = std::to_array<std::string_view>({
    "Maria",
    "Ana",
    "Conceição",
    "Isabel",
    "Carmen",
    "Dolores",
    "Inês",
    "Rosário",
});
constexpr auto kIberianMale = std::to_array<std::string_view>({
    "João",
    "José",
    "António",
    "Manuel",
    "Joaquim",
    "Carlos",
    "Miguel",
    "Rui",
    "Francisco",
    "Luís",
});

constexpr auto kItalianFamilies = std::to_array<std::string_view>({
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
});
constexpr auto kItalianFemale = std::to_array<std::string_view>({
    "Giulia",
    "Francesca",
    "Chiara",
    "Rosa",
    "Graziella",
    "Antonella",
    "Sofia",
});
constexpr auto kItalianMale = std::to_array<std::string_view>({
    "Giuseppe",
    "Giovanni",
    "Antonio",
    "Luigi",
    "Marco",
    "Salvatore",
    "Paolo",
    "Enzo",
});

constexpr auto kVietnameseFamilies = std::to_array<std::string_view>({
    "Nguyen",
    "Tran",
    "Le",
    "Pham",
    "Hoang",
    "Vu",
    "Dang",
    "Bui",
    "Do",
    "Ngo",
});
constexpr auto kVietnameseFemale = std::to_array<std::string_view>({
    "Lan",
    "Linh",
    "Huong",
    "Mai",
    "Thuy",
    "Hoa",
    "Ngoc",
});
constexpr auto kVietnameseMale = std::to_array<std::string_view>({
    "Minh",
    "Thanh",
    "Duc",
    "Hung",
    "Tuan",
    "Quang",
    "Long",
});

constexpr NamePool kFrancePool{kFrenchFamilies, kFrenchFemale, kFrenchMale};
constexpr NamePool kCorsicaPool{kCorsicanFamilies, kCorsicanFemale, kCorsicanMale};
constexpr NamePool kMaghrebPool{kMaghrebFamilies, kMaghrebFemale, kMaghrebMale};
constexpr NamePool kWestAfricaPool{kWestAfricanFamilies, kWestAfricanFemale, kWestAfricanMale};
constexpr NamePool kIberiaPool{kIberianFamilies, kIberianFemale, kIberianMale};
constexpr NamePool kItalyPool{kItalianFamilies, kItalianFemale, kItalianMale};
constexpr NamePool kVietnamPool{kVietnameseFamilies, kVietnameseFemale, kVietnameseMale};

constexpr auto kStreetNames = std::to_array<std::string_view>({
    "rue de la République",
    "avenue Jean-Jaurès",
    "boulevard Gambetta",
    "rue Victor-Hugo",
    "place de l'Église",
    "chemin des Vignes",
    "allée des Tilleuls",
    "impasse du Moulin",
    "rue Pasteur",
    "rue du Général-de-Gaulle",
    "avenue Foch",
    "rue des Écoles",
    "rue de la Gare",
    "rue Émile-Zola",
    "rue des Lilas",
    "rue Saint-Michel",
    "rue Jeanne-d'Arc",
    "avenue de la Libération",
    "rue du Château",
    "rue Voltaire",
    "rue Molière",
    "rue Nationale",
    "rue de l'Hôpital",
    "place du Marché",
    "rue des Acacias",
    "rue Anatole-France",
    "boulevard de la Liberté",
    "rue Louis-Blériot",
    "chemin de la Fontaine",
    "rue des Peupliers",
    "avenue du Maréchal-Leclerc",
    "rue Jean-Moulin",
    "quai des Chartrons",
    "rue de la Paix",
    "route de la Forêt",
    "rue Édouard-Herriot",
    "rue des Prés",
    "cours Mirabeau",
    "rue du Four",
    "rue Lamartine",
});

constexpr auto kAddressComplements = std::to_array<std::string_view>({
    "Bâtiment {l}",
    "Résidence Les Oliviers, appartement {n}",
    "Escalier {l}, {n}e étage",
    "Appartement {n}",
    "Résidence du Parc, bâtiment {l}",
    "Lieu-dit Les Granges",
});

constexpr auto kEmailDomains = std::to_array<std::string_view>({
    "orange.fr",
    "free.fr",
    "gmail.com",
    "laposte.net",
    "sfr.fr",
    "wanadoo.fr",
    "hotmail.fr",
    "yahoo.fr",
});

// Accented Latin letters (UTF-8) and their unaccented lower-case ASCII.
constexpr auto kAsciiFolds = std::to_array<std::pair<std::string_view, std::string_view>>({
    {"à", "a"},  {"á", "a"}, {"â", "a"}, {"ä", "a"}, {"ã", "a"},  {"ç", "c"},  {"è", "e"},
    {"é", "e"},  {"ê", "e"}, {"ë", "e"}, {"ì", "i"}, {"í", "i"},  {"î", "i"},  {"ï", "i"},
    {"ñ", "n"},  {"ò", "o"}, {"ó", "o"}, {"ô", "o"}, {"ö", "o"},  {"õ", "o"},  {"ù", "u"},
    {"ú", "u"},  {"û", "u"}, {"ü", "u"}, {"ÿ", "y"}, {"œ", "oe"}, {"æ", "ae"}, {"À", "a"},
    {"Â", "a"},  {"Ä", "a"}, {"Ç", "c"}, {"È", "e"}, {"É", "e"},  {"Ê", "e"},  {"Ë", "e"},
    {"Î", "i"},  {"Ï", "i"}, {"Ô", "o"}, {"Ö", "o"}, {"Ù", "u"},  {"Û", "u"},  {"Ü", "u"},
    {"Œ", "oe"},
});

// Length in bytes of the UTF-8 sequence that starts with `lead`.
[[nodiscard]] size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0) {
    return 4;
  }
  if (lead >= 0xe0) {
    return 3;
  }
  return lead >= 0xc0 ? 2 : 1;
}

}  // namespace

std::span<const City> french_cities() { return kCities; }

std::span<const BirthCountry> birth_countries() { return kBirthCountries; }

std::span<const NameOrigin> settled_origins() { return kSettledOrigins; }

const NamePool& name_pool(NameOrigin origin) {
  switch (origin) {
    case NameOrigin::kCorsica:
      return kCorsicaPool;
    case NameOrigin::kMaghreb:
      return kMaghrebPool;
    case NameOrigin::kWestAfrica:
      return kWestAfricaPool;
    case NameOrigin::kIberia:
      return kIberiaPool;
    case NameOrigin::kItaly:
      return kItalyPool;
    case NameOrigin::kVietnam:
      return kVietnamPool;
    case NameOrigin::kFrance:
      break;
  }
  return kFrancePool;
}

std::span<const std::string_view> street_names() { return kStreetNames; }

std::span<const std::string_view> address_complements() { return kAddressComplements; }

std::span<const std::string_view> email_domains() { return kEmailDomains; }

std::string fold_to_ascii_lower(std::string_view utf8) {
  std::string folded;
  folded.reserve(utf8.size());
  size_t position = 0;
  while (position < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[position]);
    if (lead < 0x80) {
      const char ascii = static_cast<char>(lead);
      if (ascii >= 'A' && ascii <= 'Z') {
        folded.push_back(static_cast<char>(ascii - 'A' + 'a'));
      } else if ((ascii >= 'a' && ascii <= 'z') || (ascii >= '0' && ascii <= '9') || ascii == '-' ||
                 ascii == '.') {
        folded.push_back(ascii);
      }
      ++position;
      continue;
    }
    const size_t length = std::min(utf8_length(lead), utf8.size() - position);
    const std::string_view letter = utf8.substr(position, length);
    for (const auto& [accented, plain] : kAsciiFolds) {
      if (accented == letter) {
        folded.append(plain);
        break;
      }
    }
    position += length;
  }
  return folded;
}

}  // namespace vigie::demo
