/// Policy documents, decisions, SQL-aware guardrails and masking. The engine is being
/// built (see the policy issue); protocol handlers will ask it before forwarding commands.
public enum PolicyEngine {}
