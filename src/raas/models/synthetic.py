"""Synthetic persons for the stub authentic source: realistic Belgian names, valid ssins.

`generate_persons` is pure and deterministic: the same seed gives the same persons, and the first
n persons of a longer run are the persons of a run of n. It draws only from its own
`random.Random(seed)`, so nothing else in the process can disturb the sequence.

Why the data look the way they do:
- Surnames come in their real spelling and particle variants (De Smet / Desmet / De Smedt,
  Van den Broucke / Vandenbroucke, Lefèvre / Lefebvre, Müller / Mueller), so the phonetic search
  has realistic near-duplicates to find and to rank. Common names are drawn more often (Zipf).
- About 10% are BIS numbers, mostly of foreign nationals: month + 40 when the gender is known,
  + 20 (gender UNKNOWN) when not. The sequence is odd for men and even for women, as in the
  national register.
- A few birth dates are incomplete (YYYY-MM-00, YYYY-00-00), more often for BIS persons, and the
  ssin carries 00 in the unknown parts, as real numbers do.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from raas.models.persons import Gender, IncompleteDate, Person, PersonStatus
from raas.models.ssin import Register, make_ssin

FIRST_YEAR = 1920
LAST_YEAR = 2024

BIS_SHARE = 0.10  # of all persons
BIS_UNKNOWN_GENDER_SHARE = 0.10  # of BIS persons: month + 20
RR_FOREIGN_SHARE = 0.08  # foreign residents in the national register
BIS_BELGIAN_SHARE = 0.12  # Belgians abroad, cross-border cases
# Incomplete birth dates: (year only, year and month) shares per register.
RR_INCOMPLETE = (0.003, 0.007)
BIS_INCOMPLETE = (0.04, 0.05)
DECEASED_SHARE_BORN_BEFORE_1950 = 0.15

# Collisions only become frequent when a birth date's 499 sequence numbers run out; giving up
# after this many draws in a row means the request cannot be met (tens of millions of persons).
_MAX_DRAWS = 1_000


def _names(text: str) -> tuple[str, ...]:
    """Split a comma-separated list of names (commas never occur in a name)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


# Surnames, roughly from most to least common within each list.
_DUTCH_SURNAMES = _names("""
    Peeters, Janssens, Maes, Jacobs, Mertens, Willems, Claes, Goossens, Wouters, De Smet,
    Vermeulen, Van Damme, Hermans, Aerts, Pauwels, Michiels, Verstraete, De Clercq, Cools,
    Verhoeven, Pieters, Peters, Jansens, Janssen, Maas, Martens, Claeys, Claessens, Goosens,
    Wauters, Desmet, De Smedt, Smets, Vandamme, Declercq, De Klerck, Van de Velde, Vandevelde,
    Van den Broeck, Vandenbroeck, Van den Broucke, Vandenbroucke, Vanden Broucke, Lenaerts,
    Stevens, Bogaerts, Bogaert, Hendrickx, Hendrikx, Coppens, De Vos, Devos, Segers, Seghers,
    Verbeke, Van Dyck, Van Dijck, De Backer, Debacker, De Bakker, Van Acker, Vanacker,
    Verhaeghe, Verhaegen, Verhaege, D'Haese, Dhaese, D'Haeze, De Coninck, De Koninck,
    Dekoninck, Van Hoof, Van Hove, Vanhove, Vandenberghe, Van den Berghe, Van den Bergh,
    De Wilde, Dewilde, Van Hecke, Vanhecke, De Meyer, Demeyer, De Meyere, Thys, Thijs, Baert,
    Baerts, Verschueren, Verbruggen, Van Campenhout, Van Laere, Vanlaere, Wuyts, Wuytack, Geerts,
    Gielen, Timmermans, Vos, Leemans, Moens, Huysmans, Huijsmans, Van Looy, Van Loy, Verlinden,
    De Groote, Degroote, De Graeve, Degraeve, Verheyen, Verheijen, Bosmans, Dierckx, Dirickx,
    Van Gucht, Dewulf, De Wulf, Vercammen, Verbist, Verbiest, Lambrechts, Lambrecht, Schepers,
    Sels, Wijns, Wyns, Beckers, Verachtert, Van Rompaey, Van Rompuy, De Bruyne, Debruyne,
    De Bruijn, De Cock, Decock, De Kock, Van der Linden, Vanderlinden, Van der Meulen,
    Vandermeulen, Van de Walle, Vandewalle, Van Parys, Van Parijs, Vanparys, Callewaert,
    Callaert, Cornelis, Daems, Dams, Engelen, Goethals, Govaerts, Heylen, Heijlen, Jaspers,
    Jorissen, Kerckhofs, Lauwers, Luyten, Luijten, Meeus, Mees, Nijs, Nys, Op de Beeck,
    Opdebeeck, Pattyn, Raes, Rombouts, Roels, Sterckx, Swinnen, Theunis, Teunis, Van Aelst,
    Vanaelst, Van Bael, Van Bouwel, Van de Putte, Vandeputte, Van der Auwera, Vanderauwera,
    Van Gorp, Van Mol, Van Ranst, Vanhoutte, Van Houtte, Vanneste, Van Neste, Verbeeck, Verbeek,
    Vercauteren, Verelst, Vermeire, Vermeiren, Verschoren, Wellens, Willaert, Van Steenkiste,
    Vansteenkiste, Ghijs, Gijs, Haesaert, Hoste, Impens, Ketels, Loncke, Maertens, Mortier,
    Naessens, Neyt, Ooghe, Plovie, Quintens, Rogiers, Sabbe, Soenen, Tanghe, Vanhaecke,
    Van Haecke, Vyncke, Vinck, Wittevrongel, Van de Wiele, Vandewiele, Van Hulle, Vanhulle
""")
_FRENCH_SURNAMES = _names("""
    Dubois, Lambert, Dupont, Martin, Simon, Laurent, Leroy, Renard, Dumont, Lejeune, Lefèvre,
    Lefebvre, Lemaire, Lemaître, Collignon, Du Pont, Lefebure, Lemaitre, Le Roy, Du Mont,
    Le Jeune, Collin, Colin, François, Denis, Henry, Henri, Leclercq, Leclerc, Mathieu, Matthieu,
    Gérard, Girard, Fontaine, Lacroix, Delacroix, De la Croix, Hubert, Jacquet, Jacques,
    Léonard, Leonard, Noël, Michel, Marchal, Maréchal, Marechal, Thiry, Thierry, Masson, Massart,
    Wilmotte, Piron, Pirson, Pirotte, Gilson, Gillet, Gilles, Baudoux, Bodart, Bodson, Bastin,
    Bastien, Detry, Dethier, Closset, Delhaye, Delhaise, Delvaux, Devaux, De Vaux, Dessy,
    Englebert, Evrard, Everard, Frère, Frere, Fraiture, Georges, Goffin, Goffinet, Guillaume,
    Hardy, Herman, Hermand, Jadot, Jamar, Jaspar, Jeanmart, Lallemand, Lalemand, Lecomte,
    Le Comte, Lemoine, Lhoest, L'Hoest, Lhoir, L'Hoir, Libert, Louis, Malchair, Marlier, Mathy,
    Mercier, Meunier, Moreau, Nicolas, Paquet, Pacquet, Pâques, Paque, Petit, Poncelet, Pochet,
    Poncin, Quoilin, Remacle, Renson, Robert, Rousseau, Roussel, Servais, Stassart, Stassin,
    Thomas, Toussaint, Vanderheyden, Warnier, Wauthier, Wautier, Wathelet, Willame, Pire,
    Demoulin, Dumoulin, Du Moulin, Dessart, Dewez, Dehon, Delchambre, Degrève, Degreve,
    Delporte, Delplace, Deprez, Desprez, Dumortier, Duchesne, Duchêne, Dufour, Dufrasne, Dupuis,
    Dupuy, Durieux, Leblanc, Le Blanc, Lebrun, Le Brun, Legrand, Le Grand, Lenoir, Lefort,
    Leduc, Le Duc, Marchand, Marchant, Petitjean, Petit-Jean, Vincent, Wéry, Wery, Bertrand,
    Bernard, Blondiau, Blondeau, Bouillon, Brasseur, Carlier, Charlier, Chapelle, Cornet,
    Crahay, Culot, Daoust, D'Aoust, Defrance, Delmotte, Demaret, Xhonneux, Xhaflaire
""")
_GERMAN_SURNAMES = _names("""
    Müller, Schmitz, Meyer, Kohnen, Schröder, Lentz, Hoffmann, Krings, Mueller, Muller, Schmidt,
    Schmitt, Meier, Mayer, Maier, Schroeder, Schroder, Lenz, Hofmann, Jousten, Thelen, Theissen,
    Thiessen, Cremer, Kremer, Krämer, Kraemer, Fickers, Heinen, Hilgers, Kessler, Keßler,
    Lambertz, Lampertz, Mertes, Michaelis, Pauels, Piront, Rauw, Scholzen, Schumacher,
    Schuhmacher, Schäfer, Schaefer, Scheffer, Wiesemes, Wintgens, Zimmermann, Hennen, Jost,
    Jungbluth, Kever, Langer, Margraff, Marx, Radermacher, Rademacher, Reuter, Reuters,
    Sarlette, Simons, Weber, Wagner, Becker, Bäcker, Backes, Fischer, Fank, Gennen, Grommes,
    Hick, Huppertz, Keutgen, Klinkenberg, Kreusch, Leonhardt, Maraite, Neumann, Offermann,
    Palm, Pelzer, Peiffer, Pfeiffer, Quadflieg, Schommers, Schröer, Schunck, Wirtz, Zeimers
""")

_DUTCH_MEN = _names("""
    Jan, Luc, Marc, Peter, Dirk, Bart, Tom, Wim, Koen, Geert, Stijn, Pieter, Jozef, Frans,
    Hendrik, Filip, Kris, Rudi, Patrick, Eddy, Willy, Maarten, Thomas, Jonas, Lucas, Arthur,
    Noah, Liam, Louis, Jules, Lars, Wout, Kobe, Seppe, Jens, Robbe, Dries, Ward, Senne, Warre,
    Vic, Kasper, Hannes, Pieter-Jan, Jan-Willem, Karel, Gust, Jef, Staf, Ruben
""")
_DUTCH_WOMEN = _names("""
    Maria, Els, An, Katrien, Sofie, Lien, Lotte, Emma, Olivia, Marie, Louise, Elise, Julie,
    Nina, Fien, Hanne, Eline, Lore, Femke, Leen, Greet, Hilde, Veerle, Ingrid, Martine, Nathalie,
    Sarah, Laura, Charlotte, Mila, Nore, Ellen, Griet, Godelieve, Jeanine, Rita, Paula,
    Liesbeth, Marleen, Anke, Annemie, Marie-Louise, Anne-Sophie, Rosa, Jozefien, Margriet
""")
_FRENCH_MEN = _names("""
    Jean, Pierre, Michel, Philippe, Alain, André, Jacques, Luc, Marc, Didier, Christophe,
    Olivier, Nicolas, Thierry, Benoît, François, Étienne, Hugo, Louis, Gabriel, Arthur, Nathan,
    Théo, Lucas, Maxime, Julien, Antoine, Baptiste, Jérôme, Sébastien, Frédéric, Raphaël, Noé,
    Guillaume, Xavier, Vincent, René, Marcel, Georges, Jean-Pierre, Jean-Marc, Jean-Luc,
    Jean-François, Pierre-Yves, Jean-Claude, Jean-Michel, Paul-Henri
""")
_FRENCH_WOMEN = _names("""
    Marie, Anne, Isabelle, Nathalie, Catherine, Sophie, Christine, Françoise, Monique, Martine,
    Véronique, Valérie, Chloé, Léa, Camille, Manon, Juliette, Zoé, Inès, Élodie, Céline,
    Aurélie, Mélanie, Amélie, Hélène, Brigitte, Josiane, Ghislaine, Nicole, Jacqueline, Margaux,
    Clara, Alice, Louise, Emma, Charlotte, Marie-Claire, Anne-Marie, Marie-Christine,
    Marie-Paule, Anne-Sophie, Marie-Thérèse, Marie-Hélène
""")
_GERMAN_MEN = _names("""
    Hans, Peter, Karl, Heinz, Werner, Klaus, Jürgen, Günter, Dieter, Wolfgang, Stefan,
    Andreas, Michael, Thomas, Markus, Lukas, Jonas, Leon, Finn, Ben, Paul, Elias, Felix,
    Maximilian, Tobias, Jörg, Uwe, Matthias, Karl-Heinz, Hans-Peter, Hans-Jürgen, Klaus-Dieter
""")
_GERMAN_WOMEN = _names("""
    Anna, Maria, Ursula, Helga, Gisela, Monika, Sabine, Petra, Andrea, Claudia, Stefanie,
    Julia, Lea, Lena, Hannah, Mia, Sophie, Katharina, Anja, Birgit, Renate, Ingrid, Jutta,
    Sarah, Laura, Anna-Lena, Marie-Luise, Hannelore
""")


@dataclass(frozen=True)
class _Picker:
    """Weighted choice among items, by bisection on cumulative weights (fast, deterministic)."""

    items: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def zipf(cls, items: Sequence[str], flatness: float = 5.0) -> _Picker:
        """Earlier items more likely: weight 1 / (rank + flatness)."""
        return cls.weighted({item: 1 / (rank + flatness) for rank, item in enumerate(items)})

    @classmethod
    def weighted(cls, weights: dict[str, float]) -> _Picker:
        """Items drawn in proportion to their weights."""
        return cls(tuple(weights), tuple(accumulate(weights.values())))

    def pick(self, rng: random.Random) -> str:
        """One item, drawn with `rng`."""
        return self.items[bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class _NameGroup:
    """Surnames and first names of one language or origin."""

    surnames: _Picker
    men: _Picker
    women: _Picker

    @classmethod
    def of(
        cls,
        surnames: str | tuple[str, ...],
        men: str | tuple[str, ...],
        women: str | tuple[str, ...],
    ) -> _NameGroup:
        """A group from name lists (or comma-separated strings of names)."""
        as_tuple = [_names(x) if isinstance(x, str) else x for x in (surnames, men, women)]
        return cls(*(_Picker.zipf(names) for names in as_tuple))


_DUTCH = _NameGroup.of(_DUTCH_SURNAMES, _DUTCH_MEN, _DUTCH_WOMEN)
_FRENCH = _NameGroup.of(_FRENCH_SURNAMES, _FRENCH_MEN, _FRENCH_WOMEN)
_GERMAN = _NameGroup.of(_GERMAN_SURNAMES, _GERMAN_MEN, _GERMAN_WOMEN)
# Origins of many foreign residents and BIS persons; surnames without gendered forms only.
_NETHERLANDS = _NameGroup.of(
    "De Jong, Jansen, De Vries, Van den Berg, Van Dijk, Bakker, Visser, Smit, Meijer, De Boer, "
    "Mulder, De Groot, Bos, Vos, Peters, Hendriks, Van Leeuwen, Dekker, Brouwer, De Wit",
    _DUTCH_MEN,
    _DUTCH_WOMEN,
)
_ITALIAN = _NameGroup.of(
    "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, "
    "Gallo, Conti, De Luca, Di Stefano, Lo Bianco, D'Angelo",
    "Giuseppe, Giovanni, Antonio, Marco, Luca, Francesco, Alessandro, Salvatore",
    "Maria, Anna, Giulia, Francesca, Giuseppina, Rosa, Chiara, Sara",
)
_SPANISH = _NameGroup.of(
    "García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, Ruiz, "
    "Díaz, De la Fuente",
    "José, Manuel, Antonio, Javier, Carlos, Juan-Carlos",
    "María, Carmen, Ana, Lucía, Isabel, María José",
)
_PORTUGUESE = _NameGroup.of(
    "Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Martins, Sousa, Gonçalves, "
    "Dos Santos, Da Silva",
    "João, José, António, Pedro, Rui, Tiago",
    "Maria, Ana, Joana, Sofia, Inês, Beatriz",
)
_POLISH = _NameGroup.of(
    "Nowak, Wójcik, Kowalczyk, Woźniak, Mazur, Krawczyk, Kaczmarek, Zając, Król, Wieczorek",
    "Piotr, Krzysztof, Tomasz, Paweł, Michał, Jakub",
    "Anna, Katarzyna, Małgorzata, Agnieszka, Magdalena, Joanna",
)
_ROMANIAN = _NameGroup.of(
    "Popescu, Ionescu, Popa, Pop, Radu, Dumitru, Stan, Stoica, Gheorghe, Constantin, Munteanu, "
    "Matei",
    "Andrei, Alexandru, Ionuț, Mihai, Florin, Gheorghe",
    "Maria, Elena, Ioana, Andreea, Mihaela, Ana",
)
_MOROCCAN = _NameGroup.of(
    "El Amrani, Benali, Bennani, El Idrissi, Alaoui, El Fassi, Ait Ali, Boukhari, El Khattabi, "
    "Ouali, Azzouzi, Chaouki, Ben Ahmed, El Ouazzani",
    "Mohamed, Ahmed, Youssef, Karim, Said, Mustapha, Rachid, Ayoub",
    "Fatima, Khadija, Aicha, Nadia, Samira, Malika, Salma, Imane",
)
_TURKISH = _NameGroup.of(
    "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, "
    "Doğan, Kılıç",
    "Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, Emre",
    "Ayşe, Fatma, Emine, Hatice, Zeynep, Elif, Merve",
)
_CONGOLESE = _NameGroup.of(
    "Mbuyi, Kabongo, Ilunga, Tshibangu, Mukendi, Kalala, Ngoy, Mwamba, Lukusa, Kasongo, "
    "Tshimanga, Mbala",
    "Jean, Patrick, Joseph, Dieudonné, Christian, Jean-Paul",
    "Marie, Grâce, Esther, Sarah, Nadine, Christelle",
)

# Belgians: mostly Dutch and French names, some German, some of foreign origin.
_BELGIAN_GROUPS = (_DUTCH, _FRENCH, _GERMAN, _ITALIAN, _MOROCCAN, _TURKISH, _CONGOLESE)
_BELGIAN_GROUP_CUMULATIVE = tuple(accumulate((55.0, 35.0, 4.0, 2.5, 2.0, 1.0, 0.5)))
# Foreign nationals: their nationality decides their names.
_FOREIGN_GROUPS = {
    "NL": _NETHERLANDS,
    "FR": _FRENCH,
    "LU": _FRENCH,
    "DE": _GERMAN,
    "IT": _ITALIAN,
    "ES": _SPANISH,
    "PT": _PORTUGUESE,
    "PL": _POLISH,
    "RO": _ROMANIAN,
    "MA": _MOROCCAN,
    "TR": _TURKISH,
    "CD": _CONGOLESE,
}
_FOREIGN_NATIONALITY = _Picker.weighted(
    {
        "NL": 15,
        "FR": 15,
        "RO": 12,
        "PL": 10,
        "IT": 8,
        "MA": 8,
        "PT": 6,
        "DE": 6,
        "ES": 5,
        "TR": 5,
        "CD": 4,
        "LU": 2,
    }
)


def _year_weight(year: int) -> float:
    """Fewer persons among the oldest years (a rough Belgian age pyramid)."""
    return 0.05 + 0.95 * (year - FIRST_YEAR) / 25 if year < FIRST_YEAR + 25 else 1.0


_YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
_YEAR_CUMULATIVE = tuple(accumulate(_year_weight(year) for year in _YEARS))
# (month, day) of every day of a common year and of a leap year, for a uniform day of the year.
_DAYS_OF_YEAR = {
    leap: tuple(
        (d.month, d.day)
        for d in (
            date.fromordinal(date(2000 if leap else 2001, 1, 1).toordinal() + i)
            for i in range(366 if leap else 365)
        )
    )
    for leap in (False, True)
}


def _is_leap(year: int) -> bool:
    """True for a leap year of the Gregorian calendar."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class _Generator:
    """The state of one run: its random source, the numbers used, shared date objects."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # (yymmdd with the BIS offset, sequence) already given; one int per pair.
        self.used: set[int] = set()
        # IncompleteDate is frozen, so equal dates can share one object (saves time and memory).
        self.dates: dict[int, IncompleteDate] = {}

    def person(self) -> Person:
        """The next synthetic person."""
        rng = self.rng
        is_bis = rng.random() < BIS_SHARE
        gender = self._gender(is_bis)
        nationality = self._nationality(is_bis)
        group = self._group(nationality)
        names = group.women if gender is Gender.FEMALE else group.men
        if gender is Gender.UNKNOWN and rng.random() < 0.5:
            names = group.women
        last_name = group.surnames.pick(rng)
        first_name = names.pick(rng)
        offset = (20 if gender is Gender.UNKNOWN else 40) if is_bis else 0
        birth_date, ssin = self._birth_date_and_ssin(is_bis, gender, offset)
        return Person(
            ssin=ssin,
            register=Register.BIS if is_bis else Register.RR,
            last_name=last_name,
            first_name=first_name,
            birth_date=birth_date,
            gender=gender,
            status=PersonStatus.ACTIVE,
            nationality=nationality,
            decease_date=self._decease_date(birth_date.year),
        )

    def _gender(self, is_bis: bool) -> Gender:
        """MALE or FEMALE; UNKNOWN only for some BIS persons (the month + 20 numbers)."""
        rng = self.rng
        if is_bis and rng.random() < BIS_UNKNOWN_GENDER_SHARE:
            return Gender.UNKNOWN
        return Gender.MALE if rng.random() < 0.5 else Gender.FEMALE

    def _nationality(self, is_bis: bool) -> str:
        """Mostly BE in the national register, mostly foreign in the BIS register."""
        belgian_share = BIS_BELGIAN_SHARE if is_bis else 1 - RR_FOREIGN_SHARE
        if self.rng.random() < belgian_share:
            return "BE"
        return _FOREIGN_NATIONALITY.pick(self.rng)

    def _group(self, nationality: str) -> _NameGroup:
        """The names a person of that nationality is likely to carry."""
        if nationality != "BE":
            return _FOREIGN_GROUPS[nationality]
        draw = self.rng.random() * _BELGIAN_GROUP_CUMULATIVE[-1]
        return _BELGIAN_GROUPS[bisect_right(_BELGIAN_GROUP_CUMULATIVE, draw)]

    def _birth_date_and_ssin(
        self, is_bis: bool, gender: Gender, offset: int
    ) -> tuple[IncompleteDate, str]:
        """A birth date and an ssin for it that this run has not given yet."""
        rng = self.rng
        year_only, month_only = BIS_INCOMPLETE if is_bis else RR_INCOMPLETE
        for _ in range(_MAX_DRAWS):
            year = _YEARS[bisect_right(_YEAR_CUMULATIVE, rng.random() * _YEAR_CUMULATIVE[-1])]
            precision = rng.random()
            if precision < year_only:
                month, day = 0, 0
            elif precision < year_only + month_only:
                month, day = 1 + int(rng.random() * 12), 0
            else:
                days = _DAYS_OF_YEAR[_is_leap(year)]
                month, day = days[int(rng.random() * len(days))]
            sequence = self._sequence(gender)
            key = (((year % 100) * 100 + month + offset) * 100 + day) * 1000 + sequence
            if key not in self.used:
                self.used.add(key)
                return self._date(year, month, day), make_ssin(
                    year, month, day, sequence, month_offset=offset
                )
        raise RuntimeError("no free ssin left: too many persons requested")

    def _sequence(self, gender: Gender) -> int:
        """001..998: odd for a man, even for a woman, either when the gender is unknown."""
        draw = self.rng.random()
        if gender is Gender.MALE:
            return 2 * int(draw * 499) + 1  # 001, 003 .. 997
        if gender is Gender.FEMALE:
            return 2 * int(draw * 499) + 2  # 002, 004 .. 998
        return 1 + int(draw * 998)

    def _date(self, year: int, month: int, day: int) -> IncompleteDate:
        """The shared IncompleteDate for year-month-day (0 for unknown parts)."""
        key = year * 10_000 + month * 100 + day
        found = self.dates.get(key)
        if found is None:
            found = self.dates[key] = IncompleteDate(year, month, day)
        return found

    def _decease_date(self, birth_year: int) -> date | None:
        """A death date for some of the oldest persons, at 60 or older; None for most."""
        rng = self.rng
        if birth_year >= 1950 or rng.random() >= DECEASED_SHARE_BORN_BEFORE_1950:
            return None
        first = date(birth_year + 60, 1, 1).toordinal()
        last = date(LAST_YEAR, 12, 31).toordinal()
        return date.fromordinal(first + int(rng.random() * (last - first + 1)))


def generate_persons(count: int, seed: int = 0) -> Iterator[Person]:
    """`count` synthetic ACTIVE persons with unique valid ssins; the same seed, the same persons."""
    if count < 0:
        raise ValueError("count must not be negative")
    generator = _Generator(seed)
    for _ in range(count):
        yield generator.person()
