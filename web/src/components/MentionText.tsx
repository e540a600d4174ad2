/** A note's body with its mentions shown as `@Full Name`. */
import { Text } from "@mantine/core";
import { splitMentions } from "../notifications/mentions";

export function MentionText({ body }: { body: string }) {
  return (
    <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
      {splitMentions(body).map((part, i) =>
        part.userId ? (
          <Text span key={i} c="blue" fw={600} data-mention={part.userId}>
            {part.text}
          </Text>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </Text>
  );
}
