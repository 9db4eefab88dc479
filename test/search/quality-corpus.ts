/**
 * Quality set for the bundled model, written by hand for this test. Each document has two queries:
 * - `query`: what a user would type to find it, a paraphrase that may share a key word;
 * - `hardQuery`: the same need in other words, sharing almost no content word (adversarial).
 * A query passes when its document ranks first among all documents plus the distractors, which
 * were written to share words with the documents while meaning something else.
 */
export const DOCUMENTS: Array<{ key: string; text: string; query: string; hardQuery: string }> = [
  { key: "faq:password-reset", text: "How do I reset my password?", query: "how can I reset the password of my account", hardQuery: "I forgot my login credentials" },
  { key: "faq:refund", text: "Can I get my money back for a purchase?", query: "can I get a refund and my money back", hardQuery: "requesting a refund for an order" },
  { key: "faq:shipping-time", text: "How long does delivery take?", query: "how long will delivery of my order take", hardQuery: "when will my package arrive" },
  { key: "faq:cancel-subscription", text: "How can I stop my monthly plan?", query: "how do I stop my monthly subscription plan", hardQuery: "cancel my subscription" },
  { key: "faq:change-email", text: "Update the email address on my account", query: "change the email address of my account", hardQuery: "I want to use a different mail for my profile" },
  { key: "faq:opening-hours", text: "What time does the store open?", query: "what time does the shop open", hardQuery: "business hours of the shop" },
  { key: "prompt:python", text: "You are a helpful assistant focused on Python programming", query: "Python programming help", hardQuery: "Python programming help" },
  { key: "prompt:sql", text: "You write and optimise SQL queries for relational databases", query: "optimise my SQL query", hardQuery: "help me tune a slow database query" },
  { key: "prompt:translator", text: "Translate the user's text from English into French", query: "translate this English text to French", hardQuery: "convert this sentence to French" },
  { key: "prompt:summarizer", text: "Summarize long documents into a few bullet points", query: "summarize this long document in bullet points", hardQuery: "make a short digest of this report" },
  { key: "prompt:legal", text: "You answer questions about contracts and employment law", query: "a question about my employment contract", hardQuery: "is my non-compete clause enforceable" },
  { key: "prompt:medical", text: "Give general information about symptoms and when to see a doctor", query: "what symptoms mean I should see a doctor", hardQuery: "I have a fever and a sore throat, should I visit a physician" },
  { key: "prompt:travel", text: "Plan trips: flights, hotels and sightseeing itineraries", query: "plan a trip with flights and a hotel", hardQuery: "organise my vacation to Japan" },
  { key: "prompt:cooking", text: "Suggest recipes from the ingredients the user has", query: "a recipe with the ingredients I have", hardQuery: "what can I make for dinner with eggs and spinach" },
  { key: "prompt:fitness", text: "Create workout routines for strength and endurance", query: "a workout routine to build strength", hardQuery: "a weekly gym training plan" },
  { key: "prompt:finance", text: "Explain personal budgeting, saving and investing", query: "tips on budgeting and saving money", hardQuery: "how should I put money aside for retirement" },
  { key: "note:weather", text: "The weather is sunny today", query: "is it sunny today", hardQuery: "it is a bright and clear day outside" },
  { key: "note:rain", text: "Heavy rain is expected tomorrow with strong winds", query: "heavy rain and wind tomorrow", hardQuery: "a storm is coming tomorrow" },
  { key: "note:meeting", text: "The team meeting moved to Thursday afternoon", query: "when is the team meeting", hardQuery: "our group sync was rescheduled to later in the week" },
  { key: "note:deploy", text: "The production deployment failed because a migration timed out", query: "why did the production deployment fail", hardQuery: "the release broke when the database schema change took too long" },
  { key: "note:outage", text: "Users cannot log in since the authentication service went down", query: "users are unable to log in, authentication is down", hardQuery: "sign-in is broken because the auth server crashed" },
  { key: "note:hiring", text: "We are hiring two backend engineers this quarter", query: "we are recruiting backend engineers", hardQuery: "open positions for server-side developers" },
  { key: "note:birthday", text: "Buy a cake for Maria's birthday party on Saturday", query: "cake for Maria's birthday", hardQuery: "pick up dessert for the celebration this weekend" },
  { key: "note:car", text: "The car needs new tires and an oil change", query: "the car needs an oil change", hardQuery: "vehicle maintenance is due" },
  { key: "note:cat", text: "Feed the cat twice a day while I am away", query: "who feeds the cat while I am away", hardQuery: "look after my pet during my trip" },
  { key: "pref:tone-formal", text: "The user prefers formal, polite answers", query: "answer in a formal and polite tone", hardQuery: "respond in a courteous and professional manner" },
  { key: "pref:short", text: "Keep answers brief, no more than three sentences", query: "keep the answers short", hardQuery: "be concise" },
  { key: "pref:language-es", text: "Always reply in Spanish", query: "reply in Spanish", hardQuery: "answer me en español" },
  { key: "pref:dark-mode", text: "The interface should use a dark theme", query: "use a dark theme for the interface", hardQuery: "switch the screen colours to night mode" },
  { key: "pref:vegetarian", text: "The user does not eat meat", query: "the user is vegetarian and does not eat meat", hardQuery: "only suggest vegetarian meals" },
  { key: "faq:invoice", text: "Where can I download my billing statement?", query: "download my billing statement", hardQuery: "get a copy of my invoice" },
  { key: "faq:two-factor", text: "Turn on two-step verification for extra security", query: "turn on two-step verification", hardQuery: "enable 2FA on my account" },
];

/** Texts that share words with the documents but mean something else. */
export const DISTRACTORS: string[] = [
  "The password field is twelve characters long",
  "Money is a medium of exchange",
  "Delivery drivers use vans",
  "A subscription box of monthly snacks",
  "The store sells python-shaped toys",
  "A database of French cheeses",
  "The contract was printed on blue paper",
  "Today the meeting room is sunny",
  "The cat sat on the car",
  "Spanish guitars are made of wood",
  "Dark chocolate cake recipe",
  "The invoice template uses a serif font",
];
