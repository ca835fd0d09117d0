/** Word lists for generated names; kept apart so generators stay readable. */
export const FIRST_NAMES = ['Ava', 'Liam', 'Maya', 'Noah', 'Zoe', 'Ethan', 'Priya', 'Mateo', 'Hana', 'Omar', 'Lena', 'Kofi', 'Sofia', 'Jonas', 'Aiko', 'Diego'];
export const LAST_NAMES = ['Nguyen', 'Garcia', 'Okafor', 'Schmidt', 'Patel', 'Kim', 'Rossi', 'Haddad', 'Novak', 'Silva', 'Tanaka', 'Johnson', 'Larsen', 'Mensah'];

export const SUBJECTS: ReadonlyArray<readonly [code: string, title: string]> = [
  ['BIO', 'Biology'], ['CHEM', 'Chemistry'], ['PHYS', 'Physics'], ['MATH', 'Calculus'], ['STAT', 'Statistics'],
  ['CS', 'Computer Science'], ['HIST', 'World History'], ['ENGL', 'Composition'], ['PSY', 'Psychology'], ['ECON', 'Microeconomics'],
  ['ART', 'Studio Art'], ['MUS', 'Music Theory'], ['PHIL', 'Ethics'], ['SPAN', 'Spanish'], ['GEO', 'Geology'], ['NURS', 'Nursing Practice'],
];

export const TOPICS = ['Introduction to', 'Foundations of', 'Advanced', 'Topics in', 'Principles of', 'Applied', 'Seminar in', 'Methods in'];

export const GROUP_NAMES = ['Assignments', 'Homework', 'Quizzes', 'Exams', 'Labs', 'Projects', 'Participation', 'Discussions', 'Readings'];

export const ASSIGNMENT_KINDS = ['Homework', 'Quiz', 'Lab Report', 'Reading Response', 'Problem Set', 'Essay', 'Discussion', 'Project Milestone', 'Worksheet', 'Exam'];

export const WORDS = (
  'the of students will analyze data evidence model system process describe explain compare evaluate design build ' +
  'submit report include figure table source citation draft final peer review rubric criteria points late policy ' +
  'chapter section lecture notes reading response question answer method result conclusion hypothesis experiment ' +
  'sample measure observe record discuss group partner individual online upload format page word limit due'
).split(' ');

export const TIME_ZONES = ['America/Denver', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London', 'Australia/Sydney'];
