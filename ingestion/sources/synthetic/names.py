"""Word lists for synthetic names. Horse names are two words (so same-named horses happen, as in real data,
and are told apart by ``horse_id``); people get "First Last". The lists avoid famous jockeys' and trainers' names
so that a planted edge is never pinned on a real person."""

HORSE_FIRST = (
    "Midnight", "Golden", "Silver", "Royal", "Lucky", "Wild", "Thunder", "Storm", "Desert", "Northern", "Southern",
    "Quiet", "Bold", "Brave", "Swift", "Rapid", "Secret", "Hidden", "Crimson", "Blue", "Iron", "Copper", "Velvet",
    "Winter", "Summer", "Autumn", "Spring", "Dancing", "Flying", "Running", "Smoky", "Rocky", "Sunny", "Misty",
    "Dusty", "Lone", "Grand", "Little", "Big", "Mighty", "Noble", "Gentle", "Rowdy", "Saucy", "Clever", "Lazy",
    "Jolly", "Happy", "Fancy", "Perfect", "Tiny", "Cosmic", "Electric", "Magic", "Mystic", "Rebel", "Outlaw",
    "Country", "City", "Harbor", "Prairie", "Mountain", "River", "Ocean", "Canyon", "Star", "Moon", "Sun", "Early",
    "Late", "Final", "First", "Lost", "Found", "Broken", "Shining", "Painted", "Kentucky", "Carolina", "Texas",
)
HORSE_SECOND = (
    "Arrow", "Dancer", "Runner", "Legend", "Dream", "Spirit", "Warrior", "Prince", "Princess", "King", "Queen",
    "Knight", "Bandit", "Ranger", "Rider", "Storm", "Thunder", "Lightning", "Comet", "Rocket", "Flame", "Blaze",
    "Echo", "Whisper", "Shadow", "Ghost", "Tiger", "Lion", "Eagle", "Falcon", "Hawk", "Raven", "Wolf", "Fox",
    "Mustang", "Stallion", "Maverick", "Cowboy", "Gambler", "Hustler", "Dealer", "Banker", "Sheriff", "Judge",
    "Senator", "General", "Captain", "Admiral", "Pilot", "Sailor", "Voyager", "Wanderer", "Drifter", "Outlaw",
    "Charm", "Promise", "Fortune", "Treasure", "Jewel", "Diamond", "Ruby", "Emerald", "Pearl", "Gold", "Silver",
    "Express", "Flyer", "Jet", "Breeze", "Tempest", "Cyclone", "Hurricane", "Tornado", "Rain", "Thunderbolt",
    "Sunrise", "Sunset", "Horizon", "Frontier", "Valley", "Ridge", "Summit", "Trail", "Road", "Highway",
)
PEOPLE_FIRST = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Carlos", "Luis",
    "Jose", "Juan", "Javier", "Manuel", "Oscar", "Ivan", "Felix", "Tyler", "Brian", "Kevin", "Jason", "Todd",
    "Chad", "Steven", "Mark", "Paul", "Daniel", "Anthony", "Christopher", "Maria", "Linda", "Patricia", "Jennifer",
    "Sarah", "Emma", "Olivia", "Sophia", "Rosie", "Julien", "Hector", "Ramon", "Umberto", "Edgar", "Frankie",
)
PEOPLE_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
    "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Morales", "Ortega", "Silva", "Vargas",
    "Castillo", "Romero", "Fischer", "Keller", "Doyle", "Quinn", "Sutton", "Barlow", "Hayes", "Porter",
)
