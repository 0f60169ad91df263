-- PostgreSQL twin of ../0045_one_tapped_answer.sql (the same SQL).
-- Issue 23: a question's quick answer counts once. The first tap stands; a later tap (a button the
-- resident's chat still showed) is refused, so the card's "N answers" is true. Answers in words or
-- photos stay unlimited: each is a real answer.
-- Taps counted twice before this change: only the first of each question is kept.
DELETE FROM desk_answers
WHERE kind = 'button'
  AND id NOT IN (SELECT MIN(id) FROM desk_answers WHERE kind = 'button' GROUP BY question_id);
CREATE UNIQUE INDEX desk_answers_one_tap ON desk_answers (question_id) WHERE kind = 'button';
